"""Access table of the payroll run pages (merged by test_access.py): reads any role, actions
admin and hr."""

ACCESS = {
    "runs.index": "default",
    "runs.new": "default",
    "runs.detail": "default",
    "runs.progress": "default",
    "runs.calculate": "default",
    "runs.recalculate": "default",
    "runs.approve": "default",
    "runs.apply": "default",
    "runs.void": "default",
    "runs.cancel": "default",
    "runs.review": "default",
    "runs.review_lines": "default",
    "runs.payslip": "default",
    "runs.compare": "default",
    "runs.payslip_pdf": "default",
    "runs.run_pdf": "default",
    "runs.register_csv": "default",
    "runs.register_xlsx": "default",
    "runs.register_json": "default",
}
