//! The two sides of the fan-out: the MFOs whose staff raise escalations, and the kinds of
//! subscriber (principals whose scopes differ), with which escalations each kind must receive.

/// The MFOs whose staff raise escalations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Mfo {
    A,
    B,
    Kg,
}

pub(crate) const MFOS: [Mfo; 3] = [Mfo::A, Mfo::B, Mfo::Kg];

/// Who a subscriber is, and so which escalations it must receive
/// (`services::escalations::{in_scope, admits}`: a regulator its jurisdiction's, MFO staff
/// their MFO's, a filter narrows further).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    RegulatorKz,
    RegulatorKg,
    StaffA,
    StaffB,
    /// The KZ regulator with `filter: { organizationId: <MFO B> }`.
    RegulatorKzOnB,
}

pub(crate) const KINDS: [Kind; 5] =
    [Kind::RegulatorKz, Kind::RegulatorKg, Kind::StaffA, Kind::StaffB, Kind::RegulatorKzOnB];

impl Kind {
    pub(crate) fn sees(self, m: Mfo) -> bool {
        match self {
            Kind::RegulatorKz => matches!(m, Mfo::A | Mfo::B),
            Kind::RegulatorKg => m == Mfo::Kg,
            Kind::StaffA => m == Mfo::A,
            Kind::StaffB | Kind::RegulatorKzOnB => m == Mfo::B,
        }
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            Kind::RegulatorKz => "regulator KZ",
            Kind::RegulatorKg => "regulator KG",
            Kind::StaffA => "staff of MFO A",
            Kind::StaffB => "staff of MFO B",
            Kind::RegulatorKzOnB => "regulator KZ, filter MFO B",
        }
    }
}
