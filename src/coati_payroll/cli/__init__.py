"""``payrollctl``: the command-line entry point (see :mod:`coati_payroll.cli.main`)."""
