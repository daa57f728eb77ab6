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
    OrgKind {
        /// A microfinance organisation: lends, and owns complaints, applications and collection of its loans.
        Mfo,
        /// A collection agency an MFO may hand loans to for pre-trial collection (R17.2).
        CollectionAgency,
        /// The supervising authority of one jurisdiction: read-only over its MFOs, handles appeals (R15).
        Regulator,
    }
);

domain_enum!(
    /// The legal system whose rules, calendar and time zone apply.
    Jurisdiction {
        /// Kazakhstan: R, M, X and D rules; calendar and local dates in Asia/Almaty (UTC+5); currency KZT.
        Kz,
        /// Kyrgyzstan: C rules; calendar and local dates in Asia/Bishkek (UTC+6); currency KGS.
        Kg,
    }
);

domain_enum!(
    /// Who a principal is (DOMAIN.md, Actors).
    Role {
        /// An MFO's operator: everything of their own MFO; registers complaints, applications, notices and contacts.
        MfoStaff,
        /// The MFO's responsible manager or authorised signatory: what staff do, plus extends deadlines (C8), signs answers (C10) and decisions (R8).
        MfoManager,
        /// A borrower through the MFO's mobile app: their own loans, complaints and applications only.
        Borrower,
        /// A collection agency's system: only loans currently handed to it; asks `permittedActions`, records contacts.
        CollectionAgency,
        /// The supervising authority of one jurisdiction: read-only over its MFOs; escalations, statistics, appeals (R15).
        Regulator,
    }
);

domain_enum!(
    /// The loan's currency (ISO 4217).
    Currency {
        /// Kazakh tenge; amounts at 2 decimal places.
        Kzt,
        /// Kyrgyz som; amounts at 2 decimal places.
        Kgs,
        /// US dollar; amounts at 2 decimal places.
        Usd,
    }
);

impl Currency {
    /// The currency's ISO 4217 minor unit: how many decimal places its amounts have. The
    /// one place this figure lives: the API returns every amount at this scale and refuses
    /// an input amount finer than it (`FINER_THAN_MINOR_UNIT`) rather than rounding it.
    pub const fn minor_unit_scale(self) -> u32 {
        match self {
            Currency::Kzt => 2,
            Currency::Kgs => 2,
            Currency::Usd => 2,
        }
    }

    /// The ISO 4217 code, as stored and as the API spells it.
    pub const fn code(self) -> &'static str {
        match self {
            Currency::Kzt => "KZT",
            Currency::Kgs => "KGS",
            Currency::Usd => "USD",
        }
    }
}

domain_enum!(
    /// The language of a record and of the texts written for it.
    Language {
        /// Russian (official language in both jurisdictions).
        Ru,
        /// Kazakh (state language of KZ).
        Kk,
        /// Kyrgyz (state language of KG; C10 answers may be in it).
        Ky,
    }
);

domain_enum!(
    /// The loan's servicing status as the MFO's core-banking system reports it.
    LoanStatus {
        /// Being serviced: C9 information requests and the R and X rules apply.
        Active,
        /// Repaid in full.
        Closed,
        /// Written off by the MFO.
        WrittenOff,
    }
);

domain_enum!(
    /// In which order incoming money pays a loan's installments (R2.3 may change it).
    RepaymentOrder {
        /// Payments go to interest before principal (the usual order).
        InterestFirst,
        /// Payments go to principal first (R2.3).
        PrincipalFirst,
    }
);

domain_enum!(
    /// A legal fact about a loan that changes what the rules allow (R3, R14, R17, M6).
    LegalFactKind {
        /// A court act in force on the debt (R3, M6).
        CourtAct,
        /// A notary's enforcement inscription (R3, M6).
        EnforcementInscription,
        /// A settlement or mediation agreement on the debt (R3, M6).
        SettlementAgreement,
        /// A settlement reducing the obligation was carried out, incl. cancelling penalties (stops the R14 24-month rule).
        ReducingSettlement,
        /// The claim was assigned to a third party (R3, R17.3).
        ClaimAssigned,
        /// An insolvency or bankruptcy procedure applies to the borrower (bars assignment, R17.3).
        InsolvencyProcedure,
    }
);

domain_enum!(
    /// A day in a jurisdiction's calendar that differs from the Monday–Friday default.
    HolidayKind {
        /// A weekday that is an official holiday or transferred day off: not a business day.
        DayOff,
        /// A Saturday or Sunday that is worked: a business day.
        WorkingDay,
    }
);

domain_enum!(
    /// The life of a timed duty.
    DeadlineStatus {
        /// Running: its due instant has not passed and the duty is not done.
        Open,
        /// The duty was done in time.
        Met,
        /// The due instant passed first; a missed MFO duty raises an escalation.
        Missed,
        /// No longer owed (e.g. the record was closed or withdrawn).
        Cancelled,
    }
);

domain_enum!(
    /// Whose duty a deadline is: a missed MFO duty is an escalation; a borrower's lapsed
    /// period only moves the record on.
    Obligor {
        /// The MFO's duty: missing it raises a DEADLINE_MISSED escalation.
        Mfo,
        /// The borrower's period (R6 documents, R13 reply): lapsing moves the record on, no escalation.
        Borrower,
    }
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
    EscalationKind {
        /// An MFO deadline passed without the duty done (C4, C5, C8, C9, R1, R8, R11, M1, M3).
        DeadlineMissed,
        /// A recorded act broke a rule (e.g. an X3 call outside hours, X5 third-party contact).
        RuleBreach,
    }
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
        /// By phone to the call centre (C1).
        CallCentre,
        /// By WhatsApp (C1).
        Whatsapp,
        /// By e-mail (C1; acknowledged by the next business day, C5).
        Email,
        /// The complaint book of a branch.
        ComplaintBook,
        /// A free-form written application at an office.
        WrittenApplication,
        /// Through a social network (C1).
        SocialNetwork,
        /// By the head office's phone line (C1).
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
    ComplaintKind {
        /// A complaint: answered within the C8 deadline.
        Complaint,
        /// A suggestion: answering it is optional (C7).
        Suggestion,
        /// A loan-information request (C9): answered within 5 business days.
        InfoRequest,
    }
);

domain_enum!(
    /// Written (C3: signed and dated) or oral (C12).
    ComplaintForm {
        /// Written: signed and dated (C3); registered in the journal within 1 business day (C4).
        Written,
        /// Oral: may be answered at once or the consumer invited to write (C12).
        Oral,
    }
);

domain_enum!(
    /// C7: where a complaint is in its handling.
    ComplaintStatus {
        /// Registered in the journal (C4, C7 step 1).
        Registered,
        /// Forwarded to the responsible managers (C7 step 2).
        Forwarded,
        /// Being reviewed and the answer drafted (C7 step 3).
        UnderReview,
        /// Answered in writing (C10).
        Answered,
        /// An oral complaint answered at once, orally (C12).
        AnsweredOrally,
        /// An oral complaint whose consumer was invited to put it in writing (C12).
        InvitedToWrite,
        /// Left without consideration: anonymous, or abusive by a manager's decision (C3).
        LeftWithoutConsideration,
        /// A suggestion closed without an answer (C7: answering one is optional).
        ClosedWithoutAnswer,
    }
);

domain_enum!(
    /// C3: why a complaint was left without consideration.
    ClosureReason {
        /// A written complaint without personal and contact details and a postal address (C3, automatic).
        Anonymous,
        /// Obscene or insulting language or threats (C3, a manager's decision).
        Abusive,
    }
);

domain_enum!(
    /// C3: required content a complaint lacks (it is registered all the same, C2).
    MissingContent {
        /// The consumer's full name.
        FullName,
        /// A postal address.
        Address,
        /// Contact details (phone or e-mail).
        Contacts,
        /// What the complaint is about.
        Substance,
        /// A signature (written complaints).
        Signature,
        /// A date (written complaints).
        Date,
    }
);

domain_enum!(
    /// C10: who signs an answer.
    SignatoryRole {
        /// The chairman of the board (C10).
        Chairman,
        /// A branch director (C10).
        BranchDirector,
        /// A person authorised to sign (C10).
        AuthorisedPerson,
    }
);

domain_enum!(
    /// C10: the answer's ground.
    AnswerGround {
        /// The complaint is satisfied in full (C10).
        Satisfied,
        /// The complaint is satisfied in part (C10).
        PartiallySatisfied,
        /// The complaint is refused (C10).
        Refused,
        /// An explanation of the consumer's rights and duties (C10).
        Explained,
    }
);

domain_enum!(
    /// C10: how a written answer is delivered: in person, or by a channel that records the
    /// sending date.
    AnswerDeliveryChannel {
        /// Handed over in person (C10).
        InPerson,
        /// By registered mail, which records the sending date (C10).
        RegisteredMail,
        /// By e-mail, which records the sending date (C10).
        Email,
        /// Through the MFO's mobile app, which records the sending date.
        MobileApp,
    }
);

domain_enum!(
    /// C5: how receipt of an e-mailed complaint was confirmed.
    AcknowledgementChannel {
        /// Confirmed by e-mail (C5).
        Email,
        /// Confirmed by phone (C5).
        Phone,
    }
);

domain_enum!(
    /// A day of the week (C13 reception hours).
    Weekday {
        /// Monday.
        Monday,
        /// Tuesday.
        Tuesday,
        /// Wednesday.
        Wednesday,
        /// Thursday.
        Thursday,
        /// Friday.
        Friday,
        /// Saturday.
        Saturday,
        /// Sunday.
        Sunday,
    }
);

domain_enum!(
    /// C9: a loan-information request's state.
    InfoRequestStatus {
        /// Not yet answered; due within 5 business days (C9).
        Open,
        /// Answered (C9).
        Answered,
    }
);

domain_enum!(
    /// How a delinquency notice or a decision reached the borrower.
    NoticeChannel {
        /// By SMS (X1).
        Sms,
        /// By e-mail (X1).
        Email,
        /// By a phone call (X1).
        PhoneCall,
        /// By a messenger (X1).
        Messenger,
        /// By letter to the contract address (X1).
        Letter,
        /// By registered mail; receipt by an adult family member counts (X1).
        RegisteredMail,
        /// Through the MFO's mobile app.
        MobileApp,
        /// Handed over in person.
        InPerson,
    }
);

domain_enum!(
    /// R1: who sent the delinquency notice (an agency may be engaged to deliver it).
    NoticeSender {
        /// The MFO itself.
        Mfo,
        /// A collection agency engaged to deliver it (R1).
        CollectionAgency,
    }
);

domain_enum!(
    /// How an application reached the MFO (R2: in person, in writing or as the contract allows).
    SubmissionChannel {
        /// Through the MFO's mobile app.
        MobileApp,
        /// In person at the MFO's office (R2).
        InPerson,
        /// In writing, by post (R2).
        Post,
        /// By e-mail, where the contract allows it (R2).
        Email,
        /// Another way the contract allows (R2).
        Other,
    }
);

domain_enum!(
    /// R19: grounds for restructuring (not exhaustive: OTHER with a text).
    HardshipGround {
        /// The borrower is registered unemployed (R19).
        RegisteredUnemployed,
        /// Socially vulnerable status of the borrower or a close relative that cut income (R19).
        SociallyVulnerableStatus,
        /// Temporary disability over 3 months (R19).
        TemporaryDisability,
        /// Parental leave (R19).
        ParentalLeave,
        /// Conscription (R19; see also M1–M6).
        Conscription,
        /// Serious illness or death in the family (R19).
        IllnessOrDeathInFamily,
        /// Material loss such as theft or fire (R19).
        MaterialLoss,
        /// Another ground, described in text (R19 is not exhaustive).
        Other,
    }
);

domain_enum!(
    /// R2: the measures a borrower may ask for (OTHER by agreement).
    RestructuringMeasure {
        /// A lower interest rate (R2.1).
        LowerRate,
        /// Deferral of principal and/or interest (R2.2).
        Deferral,
        /// Another repayment method or order, e.g. principal first (R2.3).
        RepaymentOrderChange,
        /// A new term (R2.4).
        NewTerm,
        /// Forgiveness of overdue principal and/or interest, cancellation of penalties (R2.5).
        Forgiveness,
        /// Sale of the mortgaged property by the owner within an agreed time (R2.6).
        OwnerSaleOfMortgagedProperty,
        /// Handing over the pledged property instead of performance (R2.7).
        DeedInLieu,
        /// Sale of the mortgaged property with the debt passing to the buyer (R2.8).
        SaleWithDebtTransfer,
        /// Another measure by agreement (R2).
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
        /// The MFO agreed (R8.1); changes due within 15 calendar days (R11).
        Approved,
        /// The MFO made its own proposal (R8.2); the borrower has at least 15 calendar days to reply (R12).
        CounterProposed,
        /// The borrower accepted the MFO's counter-proposal (R12).
        Agreed,
        /// The borrower rejected the counter-proposal.
        CounterRejected,
        /// The MFO refused with motivated reasons (R8.3, D1); the borrower may appeal within 15 calendar days (R15).
        Refused,
        /// No answer to the counter-proposal within 30 days of receipt (R13).
        DeemedRefused,
        /// Documents not provided in time (R6).
        LeftWithoutReview,
        /// The borrower withdrew it.
        Withdrawn,
        /// The agreed changes were made to the contract (R11).
        Implemented,
    }
);

domain_enum!(
    /// R8: the MFO's answer.
    DecisionKind {
        /// Agreement to the measures asked (R8.1).
        Approve,
        /// The MFO's own proposal (R8.2).
        CounterProposal,
        /// A motivated refusal in the form of D1 (R8.3).
        Refuse,
    }
);

domain_enum!(
    /// R12: the borrower's answer to a counter-proposal.
    CounterProposalResponse {
        /// The borrower accepts the counter-proposal (R12).
        Accept,
        /// The borrower rejects it (R12); they may appeal within 15 calendar days (R15).
        Reject,
    }
);

domain_enum!(
    /// R2.6–8: a measure concerning mortgaged property.
    PropertyMeasure {
        /// Sale by the owner within an agreed time (R2.6).
        OwnerSaleOfMortgagedProperty,
        /// Handing over the pledged property instead of performance (R2.7).
        DeedInLieu,
        /// Sale with the debt passing to the buyer (R2.8).
        SaleWithDebtTransfer,
    }
);

domain_enum!(
    /// R6: a document request's state.
    DocumentRequestStatus {
        /// Asked for; the borrower has 5 business days (R6).
        Open,
        /// The borrower provided the documents in time (R6).
        Provided,
        /// Not provided in time: the application is left without review (R6).
        Lapsed,
    }
);

domain_enum!(
    /// R15: an appeal's state with the regulator.
    AppealStatus {
        /// The regulator is reviewing it (R15; R16 bars foreclosure meanwhile).
        UnderReview,
        /// The regulator resolved it.
        Resolved,
    }
);

domain_enum!(
    /// R15: how the regulator resolved an appeal.
    AppealOutcome {
        /// The regulator upheld the borrower's appeal.
        Upheld,
        /// The regulator rejected the appeal.
        Rejected,
        /// The parties settled.
        Settled,
    }
);

domain_enum!(
    /// What a collector (the MFO or its agency) may ask to do with a debtor
    /// (`permittedActions`).
    CollectionAction {
        /// A phone call (X3: at most 3 a day, 08:00–21:00 on business days, local time).
        Call,
        /// An SMS (X1).
        Sms,
        /// An e-mail (X1).
        Email,
        /// A messenger message (X1).
        Messenger,
        /// A letter to the contract address (X1).
        Letter,
        /// A meeting at the MFO's premises (X4: at most 3 a week, 1 a day, 08:00–21:00 on business days).
        OfficeMeeting,
        /// Contact a third party, only to find the borrower's whereabouts or contacts (X5).
        ContactThirdParty,
        /// Demand early repayment (barred while an application is under review, R9; and at an agency, R18).
        DemandEarlyRepayment,
        /// Charge interest (not for the time at an agency, R18; not during a military deferral, M1).
        ChargeInterest,
        /// Accrue penalties (not for the time at an agency, R18).
        AccruePenalty,
        /// Sue for the debt (barred at an agency, R18; R16 home protection).
        FileLawsuit,
        /// Foreclose on a mortgage (R16 home protection, R17.4).
        Foreclose,
        /// R17.3: assign the claim to a third party other than a collection agency (a
        /// bank, a fund).
        AssignClaim,
        /// R17.3 and R14: assign the claim to a collection agency.
        AssignClaimToAgency,
        /// R17.2: hand the debt to an agency for pre-trial collection (no assignment).
        HandToCollectionAgency,
        /// File for bankruptcy of a sole trader or company (R17.5).
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
    ContactChannel {
        /// A phone call (X3).
        Call,
        /// An SMS (X1).
        Sms,
        /// An e-mail (X1).
        Email,
        /// A messenger (X1).
        Messenger,
        /// A letter (X1).
        Letter,
        /// A meeting at the MFO's premises (X4).
        OfficeMeeting,
    }
);

domain_enum!(
    /// X5: who was contacted.
    ContactParty {
        /// The borrower.
        Borrower,
        /// Someone else, e.g. a relative or employer (X5).
        ThirdParty,
    }
);

domain_enum!(
    /// X5: why a third party was contacted (only locating the borrower is allowed).
    ThirdPartyPurpose {
        /// To find the borrower's whereabouts or contact details: the only lawful purpose (X5).
        LocateBorrower,
        /// Any other purpose: an X5 breach.
        Other,
    }
);

domain_enum!(
    /// What came of a contact.
    ContactOutcome {
        /// The person was reached.
        Reached,
        /// No answer.
        NoAnswer,
        /// The borrower promised to pay.
        PromiseToPay,
        /// The person refused to talk.
        RefusedToTalk,
        /// The contact details were wrong.
        WrongContact,
        /// A message was left.
        MessageLeft,
        /// The message or letter was delivered.
        Delivered,
    }
);

domain_enum!(
    /// Whether the collector checked `permittedActions` for the contact (a valid clearance).
    ContactClearance {
        /// Made under a valid clearance from `permittedActions`.
        Cleared,
        /// Made without a valid clearance (none given, expired, or for another loan).
        Uncleared,
    }
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
