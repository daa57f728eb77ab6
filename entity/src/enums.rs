//! The domain's vocabularies, stored as text and shared by every layer.
//!
//! Each enum is stored as its SCREAMING_SNAKE_CASE name (the same spelling the GraphQL
//! contract uses), so a row read by hand means what the API says. Adding a variant is
//! safe; renaming one needs a data migration.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Declares a text-stored enum with the derives every layer needs.
#[macro_export]
macro_rules! domain_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
        #[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
        #[sea_orm(rs_type = "String", db_type = "Text", rename_all = "SCREAMING_SNAKE_CASE")]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name { $($(#[$vm])* $v),+ }

    };
}

domain_enum!(
    /// What an organisation is; a token's role must match its organisation's kind.
    OrgKind { Mfo, CollectionAgency, Regulator }
);

domain_enum!(
    /// The legal system whose rules, calendar and time zone apply.
    Jurisdiction { Kz, Kg }
);

domain_enum!(
    /// Who a principal is (DOMAIN.md, Actors).
    Role { MfoStaff, MfoManager, Borrower, CollectionAgency, Regulator }
);

domain_enum!(
    /// The loan's currency (ISO 4217).
    Currency { Kzt, Kgs, Usd }
);

domain_enum!(
    /// The language of a record and of the texts written for it.
    Language { Ru, Kk, Ky }
);

domain_enum!(
    /// The loan's servicing status as the MFO's core-banking system reports it.
    LoanStatus { Active, Closed, WrittenOff }
);

domain_enum!(
    /// In which order incoming money pays a loan's installments (R2.3 may change it).
    RepaymentOrder { InterestFirst, PrincipalFirst }
);

domain_enum!(
    /// A legal fact about a loan that changes what the rules allow (R3, R14, R17, M6).
    LegalFactKind {
        CourtAct,
        EnforcementInscription,
        SettlementAgreement,
        ReducingSettlement,
        ClaimAssigned,
        InsolvencyProcedure,
    }
);

domain_enum!(
    /// A day in a jurisdiction's calendar that differs from the Monday–Friday default.
    HolidayKind { DayOff, WorkingDay }
);

domain_enum!(
    /// The life of a timed duty.
    DeadlineStatus { Open, Met, Missed, Cancelled }
);

domain_enum!(
    /// Whose duty a deadline is: a missed MFO duty is an escalation; a borrower's lapsed
    /// period only moves the record on.
    Obligor { Mfo, Borrower }
);

domain_enum!(
    /// Every timed duty of DOMAIN.md, one kind each.
    DeadlineKind {
        /// C4: a complaint received at a branch is registered within 1 business day.
        ComplaintRegistration,
        /// C5: an e-mailed complaint is acknowledged by the next business day.
        ComplaintAcknowledgement,
        /// C8: a complaint is answered within 10 (+10) business days of registration.
        ComplaintAnswer,
        /// C9: a loan-information request is answered within 5 business days.
        InfoRequestAnswer,
        /// R1: the borrower is notified of an overdue within 20 calendar days.
        DelinquencyNotice,
        /// R6: the borrower provides the requested documents within 5 business days.
        ApplicationDocuments,
        /// R8: the MFO decides an application within 15 calendar days of receipt.
        ApplicationDecision,
        /// R13: no agreement within 30 calendar days of receipt of a counter-proposal.
        CounterProposalReply,
        /// R11: agreed changes are implemented within 15 calendar days of the decision.
        DecisionImplementation,
        /// M1: the military deferral is granted within 15 calendar days of the bureau data.
        MilitaryDeferralGrant,
        /// M3: the MFO confirms a refused deferral within 15 calendar days of the refusal.
        MilitaryRefusalConfirmation,
    }
);

domain_enum!(
    /// Why an escalation was raised.
    EscalationKind { DeadlineMissed, RuleBreach }
);

domain_enum!(
    /// How grave an escalation is, for the regulator's triage. Not stored: derived from the
    /// escalation's kind and rule by `services::escalations::severity`, the one place that
    /// says which breach weighs how much.
    EscalationSeverity {
        /// A registration or acknowledgement formality missed (C4, C5).
        Low,
        /// A duty to answer or notify missed (C8, C9, R1); an unclassified missed deadline.
        Medium,
        /// A decision or conduct rule broken (R8, R11, M1, M3, X2–X5, X7, R9, R14, R17, R18);
        /// an unclassified breach.
        High,
        /// Harm the law protects against most: unfair practices (X6), a lawsuit against a
        /// protected home (R16), collection against a conscript (M5).
        Critical,
    }
);

domain_enum!(
    /// C1: how a complaint reached the MFO.
    ComplaintChannel {
        CallCentre,
        Whatsapp,
        Email,
        /// The complaint book of a branch.
        ComplaintBook,
        /// A free-form written application at an office.
        WrittenApplication,
        SocialNetwork,
        HeadOfficePhone,
        /// By post.
        Post,
        /// At a manager's reception hours (C13).
        PersonalReception,
        /// Our own: the MFO's mobile banking app.
        MobileApp,
    }
);

domain_enum!(
    /// What the consumer is asking for.
    ComplaintKind { Complaint, Suggestion, InfoRequest }
);

domain_enum!(
    /// Written (C3: signed and dated) or oral (C12).
    ComplaintForm { Written, Oral }
);

domain_enum!(
    /// C7: where a complaint is in its handling.
    ComplaintStatus {
        Registered,
        Forwarded,
        UnderReview,
        Answered,
        AnsweredOrally,
        InvitedToWrite,
        LeftWithoutConsideration,
        /// A suggestion closed without an answer (C7: answering one is optional).
        ClosedWithoutAnswer,
    }
);

domain_enum!(
    /// C3: why a complaint was left without consideration.
    ClosureReason { Anonymous, Abusive }
);

domain_enum!(
    /// C3: required content a complaint lacks (it is registered all the same, C2).
    MissingContent { FullName, Address, Contacts, Substance, Signature, Date }
);

domain_enum!(
    /// C10: who signs an answer.
    SignatoryRole { Chairman, BranchDirector, AuthorisedPerson }
);

domain_enum!(
    /// C10: the answer's ground.
    AnswerGround { Satisfied, PartiallySatisfied, Refused, Explained }
);

domain_enum!(
    /// C10: how a written answer is delivered: in person, or by a channel that records the
    /// sending date.
    AnswerDeliveryChannel { InPerson, RegisteredMail, Email, MobileApp }
);

domain_enum!(
    /// C5: how receipt of an e-mailed complaint was confirmed.
    AcknowledgementChannel { Email, Phone }
);

domain_enum!(
    /// A day of the week (C13 reception hours).
    Weekday { Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday }
);

domain_enum!(
    /// C9: a loan-information request's state.
    InfoRequestStatus { Open, Answered }
);

domain_enum!(
    /// How a delinquency notice or a decision reached the borrower.
    NoticeChannel { Sms, Email, PhoneCall, Messenger, Letter, RegisteredMail, MobileApp, InPerson }
);

domain_enum!(
    /// R1: who sent the delinquency notice (an agency may be engaged to deliver it).
    NoticeSender { Mfo, CollectionAgency }
);

domain_enum!(
    /// How an application reached the MFO (R2: in person, in writing or as the contract allows).
    SubmissionChannel { MobileApp, InPerson, Post, Email, Other }
);

domain_enum!(
    /// R19: grounds for restructuring (not exhaustive: OTHER with a text).
    HardshipGround {
        RegisteredUnemployed,
        SociallyVulnerableStatus,
        TemporaryDisability,
        ParentalLeave,
        Conscription,
        IllnessOrDeathInFamily,
        MaterialLoss,
        Other,
    }
);

domain_enum!(
    /// R2: the measures a borrower may ask for (OTHER by agreement).
    RestructuringMeasure {
        LowerRate,
        Deferral,
        RepaymentOrderChange,
        NewTerm,
        Forgiveness,
        OwnerSaleOfMortgagedProperty,
        DeedInLieu,
        SaleWithDebtTransfer,
        Other,
    }
);

domain_enum!(
    /// R2–R13: where a restructuring application stands.
    ApplicationStatus {
        /// Registered and under review (R5).
        Registered,
        /// Waiting for documents the MFO asked for (R6).
        DocumentsRequested,
        /// Filed after the R2 window while an R3 fact exists: registered, a refusal drafted.
        Inadmissible,
        Approved,
        CounterProposed,
        /// The borrower accepted the MFO's counter-proposal (R12).
        Agreed,
        /// The borrower rejected the counter-proposal.
        CounterRejected,
        Refused,
        /// No answer to the counter-proposal within 30 days of receipt (R13).
        DeemedRefused,
        /// Documents not provided in time (R6).
        LeftWithoutReview,
        Withdrawn,
        /// The agreed changes were made to the contract (R11).
        Implemented,
    }
);

domain_enum!(
    /// R8: the MFO's answer.
    DecisionKind { Approve, CounterProposal, Refuse }
);

domain_enum!(
    /// R12: the borrower's answer to a counter-proposal.
    CounterProposalResponse { Accept, Reject }
);

domain_enum!(
    /// R2.6–8: a measure concerning mortgaged property.
    PropertyMeasure { OwnerSaleOfMortgagedProperty, DeedInLieu, SaleWithDebtTransfer }
);

domain_enum!(
    /// R6: a document request's state.
    DocumentRequestStatus { Open, Provided, Lapsed }
);

domain_enum!(
    /// R15: an appeal's state with the regulator.
    AppealStatus { UnderReview, Resolved }
);

domain_enum!(
    /// R15: how the regulator resolved an appeal.
    AppealOutcome { Upheld, Rejected, Settled }
);

domain_enum!(
    /// What a collector (the MFO or its agency) may ask to do with a debtor
    /// (`permittedActions`).
    CollectionAction {
        Call,
        Sms,
        Email,
        Messenger,
        Letter,
        OfficeMeeting,
        ContactThirdParty,
        DemandEarlyRepayment,
        ChargeInterest,
        AccruePenalty,
        FileLawsuit,
        Foreclose,
        /// R17.3: assign the claim to a third party other than a collection agency (a
        /// bank, a fund).
        AssignClaim,
        /// R17.3 and R14: assign the claim to a collection agency.
        AssignClaimToAgency,
        /// R17.2: hand the debt to an agency for pre-trial collection (no assignment).
        HandToCollectionAgency,
        FileBankruptcy,
    }
);

domain_enum!(
    /// Who a claim was assigned to (R14 applies only to a collection agency; R17.3 to all).
    ClaimAssignee {
        /// A collection agency (R14 applies to a non-business loan).
        CollectionAgency,
        /// A bank, a fund or another third party that is not a collection agency.
        OtherThirdParty,
    }
);

domain_enum!(
    /// X6: what the MFO found false in what a collector said about themselves.
    Misrepresentation {
        /// The surname, name or patronymic given was not the person's.
        PersonName,
        /// The position or place of work given was not the person's.
        PersonPosition,
    }
);

domain_enum!(
    /// X1: how a contact was made.
    ContactChannel { Call, Sms, Email, Messenger, Letter, OfficeMeeting }
);

domain_enum!(
    /// X5: who was contacted.
    ContactParty { Borrower, ThirdParty }
);

domain_enum!(
    /// X5: why a third party was contacted (only locating the borrower is allowed).
    ThirdPartyPurpose { LocateBorrower, Other }
);

domain_enum!(
    /// What came of a contact.
    ContactOutcome { Reached, NoAnswer, PromiseToPay, RefusedToTalk, WrongContact, MessageLeft, Delivered }
);

domain_enum!(
    /// Whether the collector checked `permittedActions` for the contact (a valid clearance).
    ContactClearance { Cleared, Uncleared }
);

domain_enum!(
    /// M1–M6: a conscripted borrower's deferral.
    DeferralStatus {
        /// Bureau data received; the MFO has 15 days to grant (M1).
        Registered,
        /// Granted: principal and interest deferred for service + 60 days (M1, M2).
        Granted,
        /// The borrower refused it (M3); the MFO confirms within 15 days.
        RefusedByBorrower,
        /// The MFO confirmed the refusal; interest resumed (M3).
        RefusalConfirmed,
        /// A court act, enforcement inscription or settlement exists (M6).
        NotApplicable,
    }
);
