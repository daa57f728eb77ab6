//! D1: the refusal letter (appendix 1 of the KZ seed) in the application's language, and
//! the incoming number it quotes. It renders from facts; it loads nothing.

use chrono::NaiveDate;
use entity::enums::Language;

use super::BlockingFact;

/// What appendix 1 of the KZ seed puts in a refusal.
#[derive(Debug, Clone)]
pub struct RefusalLetterFacts {
    pub borrower_name: String,
    pub borrower_address: Option<String>,
    pub creditor: String,
    pub application_date: NaiveDate,
    pub incoming_number: String,
    pub incoming_date: NaiveDate,
    pub contract_number: String,
    pub contract_date: NaiveDate,
    pub reasons: String,
    pub signatory: String,
}

/// D1: the letter in Kazakh when the application was in Kazakh, otherwise in Russian.
pub fn refusal_letter_language(application: Language) -> Language {
    match application {
        Language::Kk => Language::Kk,
        Language::Ru | Language::Ky => Language::Ru,
    }
}

fn dmy(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// D1: renders the refusal letter from the record.
pub fn refusal_letter(language: Language, f: &RefusalLetterFacts) -> String {
    let address = f.borrower_address.clone().unwrap_or_else(|| "—".to_owned());
    match refusal_letter_language(language) {
        Language::Kk => format!(
            "{name}\nМекенжайы: {address}\n\nМикрокредит беру туралы шарттың талаптарын өзгертуден бас тарту\n\n\
             {creditor} (бұдан әрі – Кредитор) Сіздің {app_date} жылғы (кіріс № {number}, {in_date} жылғы) \
             {contract_date} жылғы № {contract} микрокредит беру туралы шарттың (бұдан әрі – Шарт) талаптарына \
             өзгерістер енгізу туралы өтінішіңізге жауап ретінде мынаны хабарлайды.\n\n\
             «Микроқаржылық қызмет туралы» Қазақстан Республикасы Заңының 9-2-бабы 3-тармағының 3) тармақшасына \
             сәйкес Кредитор Сізге Шарттың талаптарын өзгертуден мынадай себептермен бас тартады: {reasons}\n\n\
             Кредитордың уәкілетті тұлғасы\n{signatory}\n",
            name = f.borrower_name,
            creditor = f.creditor,
            app_date = dmy(f.application_date),
            number = f.incoming_number,
            in_date = dmy(f.incoming_date),
            contract = f.contract_number,
            contract_date = dmy(f.contract_date),
            reasons = f.reasons,
            signatory = f.signatory,
        ),
        Language::Ru | Language::Ky => format!(
            "{name}\nАдрес: {address}\n\nОтказ в изменении условий договора о предоставлении микрокредита\n\n\
             {creditor} (далее – Кредитор) в ответ на Ваше заявление от {app_date} года (входящий № {number} от \
             {in_date} года) о внесении изменений в условия Договора о предоставлении микрокредита № {contract} от \
             {contract_date} года (далее – Договор) сообщает следующее.\n\n\
             В соответствии с подпунктом 3) пункта 3 статьи 9-2 Закона Республики Казахстан «О микрофинансовой \
             деятельности» Кредитор отказывает Вам в изменении условий Договора в связи с {reasons}\n\n\
             Уполномоченное лицо Кредитора\n{signatory}\n",
            name = f.borrower_name,
            creditor = f.creditor,
            app_date = dmy(f.application_date),
            number = f.incoming_number,
            in_date = dmy(f.incoming_date),
            contract = f.contract_number,
            contract_date = dmy(f.contract_date),
            reasons = f.reasons,
            signatory = f.signatory,
        ),
    }
}

/// The incoming number of an application, e.g. `R-2026/000012`.
pub fn incoming_number(year: i32, seq: i32) -> String {
    format!("R-{year}/{seq:06}")
}

/// D1, R3: the drafted refusal's reasons for an application received after the window
/// while blocking facts were in force, in the letter's language.
pub fn late_application_reasons(language: Language, days_after_overdue: i64, facts: &[BlockingFact]) -> String {
    let facts: Vec<&str> = facts.iter().map(|f| blocking_fact_words(*f, language)).collect();
    match refusal_letter_language(language) {
        Language::Kk => format!(
            "өтініш мерзімі өткен соң ({} күн) берілді және {} бар (Заңның 9-2-бабы 2-тармағы).",
            days_after_overdue,
            facts.join(", ")
        ),
        Language::Ru | Language::Ky => format!(
            "подачей заявления по истечении тридцати календарных дней с даты наступления просрочки ({} дн.) при наличии: {} (пункт 2 статьи 9-2 Закона).",
            days_after_overdue,
            facts.join(", ")
        ),
    }
}

/// R3: a blocking fact as the refusal letter names it.
fn blocking_fact_words(f: BlockingFact, language: Language) -> &'static str {
    use BlockingFact as F;
    let (ru, kk) = match f {
        F::CourtAct => ("вступившего в законную силу судебного акта", "заңды күшіне енген сот актісі"),
        F::EnforcementInscription => ("исполнительной надписи", "атқарушылық жазба"),
        F::SettlementAgreement => (
            "мирового соглашения или соглашения об урегулировании спора в порядке медиации",
            "татуласу немесе медиация тәртібімен дауды реттеу туралы келісім",
        ),
        F::ClaimAssigned => ("уступки права (требования) третьему лицу", "талап ету құқығын үшінші тұлғаға беру"),
    };
    match refusal_letter_language(language) {
        Language::Kk => kk,
        Language::Ru | Language::Ky => ru,
    }
}
