"""Every model, one module per aggregate. Importing this package registers all tables on
:data:`coati_payroll.db.base.Base.metadata` (Alembic and the fixtures rely on it)."""

from coati_payroll.db.models.accumulators import YtdBalance
from coati_payroll.db.models.audit import AuditEntry, AuditLogError
from coati_payroll.db.models.companies import Company
from coati_payroll.db.models.concepts import Concept, ConceptStatus, ConceptTestCase, ConceptVersion
from coati_payroll.db.models.currencies import Currency, ExchangeRate
from coati_payroll.db.models.employees import CustomFieldDefinition, Employee, SalaryChange
from coati_payroll.db.models.loans import (
    InterestMethod,
    Loan,
    LoanKind,
    LoanMovement,
    LoanStatus,
    MovementKind,
)
from coati_payroll.db.models.novelties import Novelty, NoveltyStatus
from coati_payroll.db.models.payroll import (
    AccumulatorDefinition,
    DefinitionConcept,
    DefinitionEmployee,
    InputDefinition,
    PayrollDefinition,
    PayrollType,
)
from coati_payroll.db.models.run_chunks import ChunkStatus, EventLevel, RunChunk, RunEvent
from coati_payroll.db.models.runs import PayrollRun, RunEmployee, RunLine, RunStatus
from coati_payroll.db.models.tables import RateTable, RateTableRow
from coati_payroll.db.models.users import Language, Role, User, hash_password

__all__ = [
    "AccumulatorDefinition",
    "AuditEntry",
    "AuditLogError",
    "ChunkStatus",
    "Company",
    "Concept",
    "ConceptStatus",
    "ConceptTestCase",
    "ConceptVersion",
    "Currency",
    "CustomFieldDefinition",
    "DefinitionConcept",
    "DefinitionEmployee",
    "Employee",
    "EventLevel",
    "ExchangeRate",
    "InputDefinition",
    "InterestMethod",
    "Language",
    "Loan",
    "LoanKind",
    "LoanMovement",
    "LoanStatus",
    "MovementKind",
    "Novelty",
    "NoveltyStatus",
    "PayrollDefinition",
    "PayrollRun",
    "PayrollType",
    "RateTable",
    "RateTableRow",
    "Role",
    "RunChunk",
    "RunEmployee",
    "RunEvent",
    "RunLine",
    "RunStatus",
    "SalaryChange",
    "User",
    "YtdBalance",
    "hash_password",
]
