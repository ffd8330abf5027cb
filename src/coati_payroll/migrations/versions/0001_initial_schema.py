"""Initial schema: every table of the data model (see docs/data-model.md).

Revision ID: 0001
Revises:
Created: 2026-12-04 20:19:16.822376
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The column types of coati_payroll.db.types as they were when this revision was written
# (exact decimals are TEXT on SQLite; codes compare case-sensitively on MariaDB).
MONEY = sa.Numeric(precision=24, scale=6).with_variant(sa.Text(), "sqlite")
RATE = sa.Numeric(precision=32, scale=14).with_variant(sa.Text(), "sqlite")
TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def code(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(
        mysql.VARCHAR(length, collation="utf8mb4_bin"), "mysql", "mariadb"
    )


def upgrade() -> None:
    op.create_table(
        "accumulator_definitions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", code(40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accumulator_definitions")),
        sa.UniqueConstraint("code", name=op.f("uq_accumulator_definitions_code")),
    )
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", code(40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("legal_name", sa.String(length=200), nullable=True),
        sa.Column("tax_id", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("code", name=op.f("uq_companies_code")),
    )
    op.create_table(
        "concepts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", code(40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "earning",
                "deduction",
                "employer",
                name="concept_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concepts")),
        sa.UniqueConstraint("code", name=op.f("uq_concepts_code")),
    )
    op.create_table(
        "currencies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", code(10), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("symbol", sa.String(length=10), nullable=True),
        sa.Column("minor_unit", RATE, nullable=False),
        sa.Column("rounding_mode", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "rounding_mode IN ('HALF_UP', 'HALF_EVEN', 'HALF_DOWN', 'UP', 'DOWN', "
            "'CEILING', 'FLOOR')",
            name=op.f("ck_currencies_rounding_mode"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_currencies")),
        sa.UniqueConstraint("code", name=op.f("uq_currencies_code")),
    )
    op.create_table(
        "custom_field_definitions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", code(40), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "number",
                "text",
                "date",
                "boolean",
                name="field_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("default_value", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_field_definitions")),
        sa.UniqueConstraint("code", name=op.f("uq_custom_field_definitions_code")),
    )
    op.create_table(
        "input_definitions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", code(40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("default", RATE, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_input_definitions")),
        sa.UniqueConstraint("code", name=op.f("uq_input_definitions_code")),
    )
    op.create_table(
        "payroll_types",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", code(40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "periodicity",
            sa.Enum(
                "monthly",
                "semi_monthly",
                "biweekly",
                "weekly",
                "daily",
                name="periodicity",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "conversion",
            sa.Enum(
                "divisor",
                "annualized",
                "daily",
                name="conversion",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("divisor", RATE, nullable=True),
        sa.Column("periods_per_year", sa.Integer(), nullable=True),
        sa.Column(
            "proration",
            sa.Enum(
                "calendar_days",
                "commercial_30",
                name="proration",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("days_per_month", RATE, nullable=False),
        sa.Column("hours_per_day", RATE, nullable=False),
        sa.Column("fiscal_year_start_month", sa.Integer(), nullable=False),
        sa.Column("absence_days_input", code(40), nullable=True),
        sa.Column("absence_hours_input", code(40), nullable=True),
        sa.Column("hours_worked_input", code(40), nullable=True),
        sa.Column("days_worked_input", code(40), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "fiscal_year_start_month BETWEEN 1 AND 12",
            name=op.f("ck_payroll_types_fiscal_year_start_month"),
        ),
        sa.CheckConstraint(
            "periods_per_year IS NULL OR periods_per_year > 0",
            name=op.f("ck_payroll_types_periods_per_year"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payroll_types")),
        sa.UniqueConstraint("code", name=op.f("uq_payroll_types_code")),
    )
    op.create_table(
        "rate_tables",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", code(40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "progressive",
                "flat",
                name="table_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("upper_inclusive", sa.Boolean(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_tables")),
        sa.UniqueConstraint(
            "code", "effective_from", name=op.f("uq_rate_tables_code_effective_from")
        ),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "hr",
                "audit",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "language",
            sa.Enum(
                "en", "es", name="language", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column("last_login_at", TIMESTAMP, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=80), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=True),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_audit_entries_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    op.create_index(op.f("ix_audit_entries_at"), "audit_entries", ["at"], unique=False)
    op.create_index(
        "ix_audit_entries_entity_type_entity_id",
        "audit_entries",
        ["entity_type", "entity_id"],
        unique=False,
    )
    op.create_index(op.f("ix_audit_entries_user_id"), "audit_entries", ["user_id"], unique=False)
    op.create_table(
        "concept_test_cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("concept_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("expected", MONEY, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["concept_id"],
            ["concepts.id"],
            name=op.f("fk_concept_test_cases_concept_id_concepts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concept_test_cases")),
        sa.UniqueConstraint(
            "concept_id", "name", name=op.f("uq_concept_test_cases_concept_id_name")
        ),
    )
    op.create_index(
        op.f("ix_concept_test_cases_concept_id"), "concept_test_cases", ["concept_id"], unique=False
    )
    op.create_table(
        "concept_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("concept_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "approved",
                "retired",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("formula", sa.Text(), nullable=False),
        sa.Column("condition", sa.Text(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("cap", MONEY, nullable=True),
        sa.Column("floor", MONEY, nullable=True),
        sa.Column(
            "shortfall",
            sa.Enum(
                "partial",
                "skip",
                name="shortfall",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("loan", sa.Boolean(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=True),
        sa.Column("debit_account", sa.String(length=64), nullable=True),
        sa.Column("credit_account", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", TIMESTAMP, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_concept_versions_version_positive")),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["users.id"], name=op.f("fk_concept_versions_approved_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["concept_id"],
            ["concepts.id"],
            name=op.f("fk_concept_versions_concept_id_concepts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_concept_versions_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concept_versions")),
        sa.UniqueConstraint(
            "concept_id", "version", name=op.f("uq_concept_versions_concept_id_version")
        ),
    )
    op.create_index(
        op.f("ix_concept_versions_approved_by_id"),
        "concept_versions",
        ["approved_by_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_concept_versions_concept_id"), "concept_versions", ["concept_id"], unique=False
    )
    op.create_index(
        op.f("ix_concept_versions_created_by_id"),
        "concept_versions",
        ["created_by_id"],
        unique=False,
    )
    op.create_index(
        "ix_concept_versions_status_effective_from",
        "concept_versions",
        ["status", "effective_from"],
        unique=False,
    )
    op.create_table(
        "employees",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("code", code(40), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("national_id", sa.String(length=64), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("hire_date", sa.Date(), nullable=False),
        sa.Column("termination_date", sa.Date(), nullable=True),
        sa.Column("position", sa.String(length=100), nullable=True),
        sa.Column("cost_center", sa.String(length=64), nullable=True),
        sa.Column("bank_name", sa.String(length=100), nullable=True),
        sa.Column("bank_account", sa.String(length=64), nullable=True),
        sa.Column(
            "pay_basis",
            sa.Enum(
                "monthly",
                "daily",
                "hourly",
                name="pay_basis",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("custom_values", sa.JSON(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "termination_date IS NULL OR termination_date >= hire_date",
            name=op.f("ck_employees_termination_after_hire"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_employees_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employees")),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_employees_company_id_code")),
    )
    op.create_index(op.f("ix_employees_company_id"), "employees", ["company_id"], unique=False)
    op.create_index(op.f("ix_employees_national_id"), "employees", ["national_id"], unique=False)
    op.create_table(
        "exchange_rates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("from_code", code(10), nullable=False),
        sa.Column("to_code", code(10), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("rate", RATE, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "from_code <> to_code", name=op.f("ck_exchange_rates_distinct_currencies")
        ),
        sa.ForeignKeyConstraint(
            ["from_code"], ["currencies.code"], name=op.f("fk_exchange_rates_from_code_currencies")
        ),
        sa.ForeignKeyConstraint(
            ["to_code"], ["currencies.code"], name=op.f("fk_exchange_rates_to_code_currencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_rates")),
        sa.UniqueConstraint(
            "from_code",
            "to_code",
            "effective_date",
            name=op.f("uq_exchange_rates_from_code_to_code_effective_date"),
        ),
    )
    op.create_index(op.f("ix_exchange_rates_to_code"), "exchange_rates", ["to_code"], unique=False)
    op.create_table(
        "payroll_definitions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("code", code(40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("payroll_type_id", sa.Integer(), nullable=False),
        sa.Column("currency_code", code(10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_payroll_definitions_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["currency_code"],
            ["currencies.code"],
            name=op.f("fk_payroll_definitions_currency_code_currencies"),
        ),
        sa.ForeignKeyConstraint(
            ["payroll_type_id"],
            ["payroll_types.id"],
            name=op.f("fk_payroll_definitions_payroll_type_id_payroll_types"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payroll_definitions")),
        sa.UniqueConstraint(
            "company_id", "code", name=op.f("uq_payroll_definitions_company_id_code")
        ),
    )
    op.create_index(
        op.f("ix_payroll_definitions_company_id"),
        "payroll_definitions",
        ["company_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_payroll_definitions_currency_code"),
        "payroll_definitions",
        ["currency_code"],
        unique=False,
    )
    op.create_index(
        op.f("ix_payroll_definitions_payroll_type_id"),
        "payroll_definitions",
        ["payroll_type_id"],
        unique=False,
    )
    op.create_table(
        "rate_table_rows",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("table_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("lower", MONEY, nullable=False),
        sa.Column("upper", MONEY, nullable=True),
        sa.Column("rate", RATE, nullable=False),
        sa.Column("fixed", MONEY, nullable=False),
        sa.ForeignKeyConstraint(
            ["table_id"],
            ["rate_tables.id"],
            name=op.f("fk_rate_table_rows_table_id_rate_tables"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_table_rows")),
        sa.UniqueConstraint(
            "table_id", "position", name=op.f("uq_rate_table_rows_table_id_position")
        ),
    )
    op.create_index(
        op.f("ix_rate_table_rows_table_id"), "rate_table_rows", ["table_id"], unique=False
    )
    op.create_table(
        "definition_concepts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("concept_id", sa.Integer(), nullable=False),
        sa.Column("priority_override", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["concept_id"], ["concepts.id"], name=op.f("fk_definition_concepts_concept_id_concepts")
        ),
        sa.ForeignKeyConstraint(
            ["definition_id"],
            ["payroll_definitions.id"],
            name=op.f("fk_definition_concepts_definition_id_payroll_definitions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_definition_concepts")),
        sa.UniqueConstraint(
            "definition_id",
            "concept_id",
            name=op.f("uq_definition_concepts_definition_id_concept_id"),
        ),
    )
    op.create_index(
        op.f("ix_definition_concepts_concept_id"),
        "definition_concepts",
        ["concept_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_definition_concepts_definition_id"),
        "definition_concepts",
        ["definition_id"],
        unique=False,
    )
    op.create_table(
        "definition_employees",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["definition_id"],
            ["payroll_definitions.id"],
            name=op.f("fk_definition_employees_definition_id_payroll_definitions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_definition_employees_employee_id_employees"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_definition_employees")),
        sa.UniqueConstraint(
            "definition_id",
            "employee_id",
            name=op.f("uq_definition_employees_definition_id_employee_id"),
        ),
    )
    op.create_index(
        op.f("ix_definition_employees_definition_id"),
        "definition_employees",
        ["definition_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_definition_employees_employee_id"),
        "definition_employees",
        ["employee_id"],
        unique=False,
    )
    op.create_table(
        "loans",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("concept_code", code(40), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "loan", "advance", name="kind", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column("currency_code", code(10), nullable=True),
        sa.Column("principal", MONEY, nullable=False),
        sa.Column(
            "interest_method",
            sa.Enum(
                "none",
                "flat",
                "french",
                name="interest_method",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("annual_rate", RATE, nullable=False),
        sa.Column("installments", sa.Integer(), nullable=False),
        sa.Column("installment", MONEY, nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("balance", MONEY, nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "paid",
                "forgiven",
                "cancelled",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("installments >= 1", name=op.f("ck_loans_installments_positive")),
        sa.ForeignKeyConstraint(
            ["concept_code"], ["concepts.code"], name=op.f("fk_loans_concept_code_concepts")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_loans_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["currency_code"], ["currencies.code"], name=op.f("fk_loans_currency_code_currencies")
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_loans_employee_id_employees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loans")),
    )
    op.create_index(op.f("ix_loans_concept_code"), "loans", ["concept_code"], unique=False)
    op.create_index(op.f("ix_loans_created_by_id"), "loans", ["created_by_id"], unique=False)
    op.create_index(op.f("ix_loans_currency_code"), "loans", ["currency_code"], unique=False)
    op.create_index(op.f("ix_loans_employee_id"), "loans", ["employee_id"], unique=False)
    op.create_index("ix_loans_employee_id_status", "loans", ["employee_id", "status"], unique=False)
    op.create_table(
        "payroll_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("payment_date", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "calculating",
                "generated",
                "approved",
                "applied",
                "voided",
                "error",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("snapshot", sa.JSON(), nullable=True),
        sa.Column("calculated_at", TIMESTAMP, nullable=True),
        sa.Column("employees", sa.Integer(), nullable=False),
        sa.Column("computed", sa.Integer(), nullable=False),
        sa.Column("excluded", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("gross", MONEY, nullable=False),
        sa.Column("total_deductions", MONEY, nullable=False),
        sa.Column("net", MONEY, nullable=False),
        sa.Column("employer_contributions", MONEY, nullable=False),
        sa.Column("employer_cost", MONEY, nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=False),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_failed", sa.Integer(), nullable=False),
        sa.Column("calculation_token", sa.String(length=64), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", TIMESTAMP, nullable=True),
        sa.Column("applied_by_id", sa.Integer(), nullable=True),
        sa.Column("applied_at", TIMESTAMP, nullable=True),
        sa.Column("voided_by_id", sa.Integer(), nullable=True),
        sa.Column("voided_at", TIMESTAMP, nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_payroll_runs_period_order")),
        sa.CheckConstraint(
            "progress_total >= 0 AND progress_done >= 0 AND progress_failed >= 0",
            name=op.f("ck_payroll_runs_progress_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["applied_by_id"], ["users.id"], name=op.f("fk_payroll_runs_applied_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["users.id"], name=op.f("fk_payroll_runs_approved_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_payroll_runs_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["definition_id"],
            ["payroll_definitions.id"],
            name=op.f("fk_payroll_runs_definition_id_payroll_definitions"),
        ),
        sa.ForeignKeyConstraint(
            ["voided_by_id"], ["users.id"], name=op.f("fk_payroll_runs_voided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payroll_runs")),
    )
    op.create_index(
        op.f("ix_payroll_runs_applied_by_id"), "payroll_runs", ["applied_by_id"], unique=False
    )
    op.create_index(
        op.f("ix_payroll_runs_approved_by_id"), "payroll_runs", ["approved_by_id"], unique=False
    )
    op.create_index(
        op.f("ix_payroll_runs_created_by_id"), "payroll_runs", ["created_by_id"], unique=False
    )
    op.create_index(
        "ix_payroll_runs_definition_id_period_start",
        "payroll_runs",
        ["definition_id", "period_start"],
        unique=False,
    )
    op.create_index(op.f("ix_payroll_runs_status"), "payroll_runs", ["status"], unique=False)
    op.create_index(
        op.f("ix_payroll_runs_voided_by_id"), "payroll_runs", ["voided_by_id"], unique=False
    )
    op.create_table(
        "salary_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("salary", MONEY, nullable=False),
        sa.Column("currency_code", code(10), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_salary_changes_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["currency_code"],
            ["currencies.code"],
            name=op.f("fk_salary_changes_currency_code_currencies"),
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_salary_changes_employee_id_employees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_salary_changes")),
        sa.UniqueConstraint(
            "employee_id",
            "effective_date",
            name=op.f("uq_salary_changes_employee_id_effective_date"),
        ),
    )
    op.create_index(
        op.f("ix_salary_changes_created_by_id"), "salary_changes", ["created_by_id"], unique=False
    )
    op.create_index(
        op.f("ix_salary_changes_currency_code"), "salary_changes", ["currency_code"], unique=False
    )
    op.create_index(
        op.f("ix_salary_changes_employee_id"), "salary_changes", ["employee_id"], unique=False
    )
    op.create_table(
        "ytd_balances",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("accumulator_code", code(40), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["accumulator_code"],
            ["accumulator_definitions.code"],
            name=op.f("fk_ytd_balances_accumulator_code_accumulator_definitions"),
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_ytd_balances_employee_id_employees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ytd_balances")),
        sa.UniqueConstraint(
            "employee_id",
            "accumulator_code",
            "fiscal_year",
            name=op.f("uq_ytd_balances_employee_id_accumulator_code_fiscal_year"),
        ),
    )
    op.create_index(
        op.f("ix_ytd_balances_accumulator_code"), "ytd_balances", ["accumulator_code"], unique=False
    )
    op.create_index(
        op.f("ix_ytd_balances_employee_id"), "ytd_balances", ["employee_id"], unique=False
    )
    op.create_table(
        "loan_movements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("movement_date", sa.Date(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "disbursement",
                "payment",
                "extra_payment",
                "forgiveness",
                "interest",
                "reversal",
                name="kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("balance_after", MONEY, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_loan_movements_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"],
            ["loans.id"],
            name=op.f("fk_loan_movements_loan_id_loans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["payroll_runs.id"], name=op.f("fk_loan_movements_run_id_payroll_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_movements")),
    )
    op.create_index(
        op.f("ix_loan_movements_created_by_id"), "loan_movements", ["created_by_id"], unique=False
    )
    op.create_index(op.f("ix_loan_movements_loan_id"), "loan_movements", ["loan_id"], unique=False)
    op.create_index(op.f("ix_loan_movements_run_id"), "loan_movements", ["run_id"], unique=False)
    op.create_table(
        "novelties",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=True),
        sa.Column("input_code", code(40), nullable=False),
        sa.Column("value", RATE, nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "executed",
                "cancelled",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_novelties_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["definition_id"],
            ["payroll_definitions.id"],
            name=op.f("fk_novelties_definition_id_payroll_definitions"),
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_novelties_employee_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["input_code"],
            ["input_definitions.code"],
            name=op.f("fk_novelties_input_code_input_definitions"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["payroll_runs.id"], name=op.f("fk_novelties_run_id_payroll_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_novelties")),
    )
    op.create_index(
        op.f("ix_novelties_created_by_id"), "novelties", ["created_by_id"], unique=False
    )
    op.create_index(
        op.f("ix_novelties_definition_id"), "novelties", ["definition_id"], unique=False
    )
    op.create_index(op.f("ix_novelties_employee_id"), "novelties", ["employee_id"], unique=False)
    op.create_index(
        "ix_novelties_employee_id_status_effective_date",
        "novelties",
        ["employee_id", "status", "effective_date"],
        unique=False,
    )
    op.create_index(op.f("ix_novelties_input_code"), "novelties", ["input_code"], unique=False)
    op.create_index(op.f("ix_novelties_run_id"), "novelties", ["run_id"], unique=False)
    op.create_table(
        "run_employees",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "ok",
                "excluded",
                "error",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("gross", MONEY, nullable=False),
        sa.Column("total_deductions", MONEY, nullable=False),
        sa.Column("net", MONEY, nullable=False),
        sa.Column("employer_contributions", MONEY, nullable=False),
        sa.Column("employer_cost", MONEY, nullable=False),
        sa.Column("notices", sa.JSON(), nullable=True),
        sa.Column("failure", sa.JSON(), nullable=True),
        sa.Column("ytd_after", sa.JSON(), nullable=True),
        sa.Column("loan_balances", sa.JSON(), nullable=True),
        sa.Column("employee_snapshot", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.id"], name=op.f("fk_run_employees_employee_id_employees")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["payroll_runs.id"],
            name=op.f("fk_run_employees_run_id_payroll_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_employees")),
        sa.UniqueConstraint(
            "run_id", "employee_id", name=op.f("uq_run_employees_run_id_employee_id")
        ),
    )
    op.create_index(
        op.f("ix_run_employees_employee_id"), "run_employees", ["employee_id"], unique=False
    )
    op.create_index(op.f("ix_run_employees_run_id"), "run_employees", ["run_id"], unique=False)
    op.create_table(
        "run_lines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_employee_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", code(40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "earning",
                "deduction",
                "employer",
                name="kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=True),
        sa.Column("trace", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_run_lines_loan_id_loans")),
        sa.ForeignKeyConstraint(
            ["run_employee_id"],
            ["run_employees.id"],
            name=op.f("fk_run_lines_run_employee_id_run_employees"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["payroll_runs.id"],
            name=op.f("fk_run_lines_run_id_payroll_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_lines")),
        sa.UniqueConstraint(
            "run_employee_id", "position", name=op.f("uq_run_lines_run_employee_id_position")
        ),
    )
    op.create_index(op.f("ix_run_lines_code"), "run_lines", ["code"], unique=False)
    op.create_index(op.f("ix_run_lines_loan_id"), "run_lines", ["loan_id"], unique=False)
    op.create_index(
        op.f("ix_run_lines_run_employee_id"), "run_lines", ["run_employee_id"], unique=False
    )
    op.create_index(op.f("ix_run_lines_run_id"), "run_lines", ["run_id"], unique=False)


def downgrade() -> None:
    # Dropping a table drops its indexes and constraints; dropping the indexes first would
    # fail on MariaDB, which refuses to drop an index a foreign key needs.
    op.drop_table("run_lines")
    op.drop_table("run_employees")
    op.drop_table("novelties")
    op.drop_table("loan_movements")
    op.drop_table("ytd_balances")
    op.drop_table("salary_changes")
    op.drop_table("payroll_runs")
    op.drop_table("loans")
    op.drop_table("definition_employees")
    op.drop_table("definition_concepts")
    op.drop_table("rate_table_rows")
    op.drop_table("payroll_definitions")
    op.drop_table("exchange_rates")
    op.drop_table("employees")
    op.drop_table("concept_versions")
    op.drop_table("concept_test_cases")
    op.drop_table("audit_entries")
    op.drop_table("users")
    op.drop_table("rate_tables")
    op.drop_table("payroll_types")
    op.drop_table("input_definitions")
    op.drop_table("custom_field_definitions")
    op.drop_table("currencies")
    op.drop_table("concepts")
    op.drop_table("companies")
    op.drop_table("accumulator_definitions")
