"""Every mapped table, importable from one place (Alembic's target metadata)."""

from routing.db.base import Base
from routing.db.company import (
    Appointment,
    AssignedBy,
    CompanySettings,
    Customer,
    CustomerExcludedTech,
    Lead,
    LeadQueueGroup,
    LeadQueueMembership,
    Location,
    SchedulingProfile,
    Technician,
    TechnicianHours,
    TechnicianLocation,
    TechnicianSkill,
    TimeOff,
    ValueSource,
    WorkOrderType,
    WorkOrderTypeSkill,
)
from routing.db.runlog import RunAppointment, RunCandidate, RunRosterEntry, ScheduleRun
from routing.db.zips import ZipImport, ZipRelation

metadata = Base.metadata

__all__ = [
    "Appointment",
    "AssignedBy",
    "Base",
    "CompanySettings",
    "Customer",
    "CustomerExcludedTech",
    "Lead",
    "LeadQueueGroup",
    "LeadQueueMembership",
    "Location",
    "RunAppointment",
    "RunCandidate",
    "RunRosterEntry",
    "ScheduleRun",
    "SchedulingProfile",
    "Technician",
    "TechnicianHours",
    "TechnicianLocation",
    "TechnicianSkill",
    "TimeOff",
    "ValueSource",
    "WorkOrderType",
    "WorkOrderTypeSkill",
    "ZipImport",
    "ZipRelation",
    "metadata",
]
