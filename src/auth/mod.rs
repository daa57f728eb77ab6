//! Verifies a bearer token (RFC 8725 practice): the algorithm is pinned by configuration,
//! `exp`/`iss`/`aud`/`sub` are required, `nbf` is checked, the leeway is a few seconds. The
//! organisation behind it (its kind must match the role) is looked up by
//! `services::orgs::principal`: this module reads no database.
//!
//! A header naming `crit` extensions is refused: we implement none, and RFC 7515 §4.1.11
//! says a recipient that does not understand one must reject the token. A `sub` that no
//! database could store (a control character such as U+0000, or more than
//! `MAX_SUBJECT_BYTES`) is refused here with its reason, so it never reaches a write as an
//! INTERNAL error.
//!
//! Expiry and not-before are checked against the injected clock, not jsonwebtoken's
//! system-clock check, so tests can place a token exactly one second past its leeway.
//! This module decides who the caller is, never what they may see (that is
//! `services::scope`).

use std::path::Path;

use anyhow::{Context, bail};
use chrono::{DateTime, Duration, Utc};
use entity::enums::{Jurisdiction, OrgKind, Role};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sea_orm::ActiveEnum;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::{BorrowerId, OrgId};

/// The most clock skew tolerated on `exp` and `nbf`.
pub const LEEWAY_SECONDS: i64 = 5;

/// The longest `sub` accepted: it is stored in audit entries and inside idempotency keys,
/// whose index must hold it on every engine.
pub const MAX_SUBJECT_BYTES: usize = 255;

/// Who is calling, as established from a verified token and the organisation register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub role: Role,
    pub subject: String,
    pub org_id: OrgId,
    pub org_kind: OrgKind,
    /// The organisation's jurisdiction (a regulator sees exactly this one).
    pub jurisdiction: Jurisdiction,
    pub borrower_id: Option<BorrowerId>,
    pub expires_at: DateTime<Utc>,
}

impl Principal {
    /// Stable identity for idempotency keys and audit entries: `ROLE:sub@org`.
    pub fn key(&self) -> String {
        format!("{}:{}@{}", self.role.to_value(), self.subject, self.org_id)
    }
}

/// Why a token was refused. The text is safe to show: it names what is wrong with the
/// token, never anything about the server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token's algorithm is not accepted")]
    Algorithm,
    #[error("the token's key id is unknown")]
    UnknownKey,
    #[error("the token's signature is invalid")]
    Signature,
    #[error("the token lacks the required claim `{0}`")]
    MissingClaim(String),
    #[error("the token's issuer is not accepted")]
    Issuer,
    #[error("the token's audience is not accepted")]
    Audience,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token was issued in the future")]
    IssuedInFuture,
    #[error("the token's header names critical extensions this server does not understand")]
    CriticalHeader,
    #[error("the token's claim `{0}` holds a value that cannot be accepted (a control character, or too long)")]
    UnstorableClaim(String),
    #[error("the token's role is unknown")]
    UnknownRole,
    #[error("the token's organisation is unknown")]
    UnknownOrganisation,
    #[error("the token's role does not match its organisation")]
    RoleMismatch,
    #[error("a borrower token must name a borrower of its organisation")]
    Borrower,
    #[error("the token could not be checked")]
    Unavailable,
}

/// The keys tokens are verified with: exactly one kind, which pins the algorithm.
#[derive(Clone)]
pub enum Keys {
    /// HS256 with a shared secret of at least 32 bytes.
    Hs256(Vec<u8>),
    /// RS256 or ES256 with one public key from a PEM file.
    Pem { algorithm: Algorithm, key: DecodingKey },
    /// RS256/ES256 keys from a JWKS file, chosen by the token's `kid`.
    Jwks(JwkSet),
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Keys::Hs256(_) => f.write_str("Hs256(..)"),
            Keys::Pem { algorithm, .. } => write!(f, "Pem({algorithm:?})"),
            Keys::Jwks(set) => write!(f, "Jwks({} keys)", set.keys.len()),
        }
    }
}

impl Keys {
    pub fn hs256(secret: &[u8]) -> anyhow::Result<Self> {
        if secret.len() < 32 {
            bail!("MFO_JWT_SECRET must be at least 32 bytes (it is {})", secret.len());
        }
        Ok(Keys::Hs256(secret.to_vec()))
    }

    /// An RSA public key pins RS256; an EC P-256 key pins ES256.
    pub fn from_pem_file(path: &Path) -> anyhow::Result<Self> {
        let pem = std::fs::read(path).with_context(|| format!("failed to read {}", path.display()))?;
        if let Ok(key) = DecodingKey::from_rsa_pem(&pem) {
            return Ok(Keys::Pem { algorithm: Algorithm::RS256, key });
        }
        if let Ok(key) = DecodingKey::from_ec_pem(&pem) {
            return Ok(Keys::Pem { algorithm: Algorithm::ES256, key });
        }
        bail!("{} holds neither an RSA nor an EC public key in PEM form", path.display())
    }

    pub fn from_jwks_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("failed to read {}", path.display()))?;
        let set: JwkSet = serde_json::from_str(&text).with_context(|| format!("{} is not a JWKS", path.display()))?;
        if set.keys.iter().any(|k| k.common.key_id.is_none()) {
            bail!("every key in {} needs a `kid`", path.display());
        }
        Ok(Keys::Jwks(set))
    }
}

#[derive(Debug, Clone)]
pub struct JwtSettings {
    pub keys: Keys,
    pub issuer: String,
    pub audience: String,
}

/// `aud`: one audience or several (RFC 7519 §4.1.3). jsonwebtoken checks that ours is
/// among them; this type only lets either form through deserialisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

/// The token of an `Authorization` value `Bearer <token68>`: the scheme in any case
/// (RFC 7235 §2.1), one or more spaces, then a token68 and nothing else. `None` for
/// another scheme, an empty token or one with characters outside token68 (so that
/// `Bearer a, Bearer b` is refused, never read as `a`).
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = rest.trim_start_matches(' ');
    let body = token.trim_end_matches('=');
    let token68 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/');
    if body.is_empty() || !body.chars().all(token68) {
        return None;
    }
    Some(token)
}

/// The claims this API reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: Audience,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub borrower: Option<String>,
}

/// What the signature check proved, before the organisation register is consulted.
#[derive(Debug, Clone)]
pub struct Verified {
    pub subject: String,
    pub role: Role,
    pub org_id: Uuid,
    pub borrower_id: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
}

/// Verifies signatures and claims. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Verifier {
    settings: JwtSettings,
}

impl Verifier {
    pub fn new(settings: JwtSettings) -> Self {
        Self { settings }
    }

    fn validation(&self, algorithm: Algorithm) -> Validation {
        let mut v = Validation::new(algorithm);
        v.algorithms = vec![algorithm];
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        v.set_issuer(&[&self.settings.issuer]);
        v.set_audience(&[&self.settings.audience]);
        // Time claims are checked below against the injected clock.
        v.validate_exp = false;
        v.validate_nbf = false;
        v.leeway = 0;
        v
    }

    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Verified, AuthError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError::Malformed)?;
        // We understand no extension, so any `crit` (even an empty one, itself invalid) is
        // refused before a key is chosen.
        if header.crit.is_some() {
            return Err(AuthError::CriticalHeader);
        }
        let (key, algorithm) = match &self.settings.keys {
            Keys::Hs256(secret) => (DecodingKey::from_secret(secret), Algorithm::HS256),
            Keys::Pem { algorithm, key } => (key.clone(), *algorithm),
            Keys::Jwks(set) => {
                let kid = header.kid.as_deref().ok_or(AuthError::UnknownKey)?;
                let jwk = set.find(kid).ok_or(AuthError::UnknownKey)?;
                let algorithm = match &jwk.algorithm {
                    AlgorithmParameters::RSA(_) => Algorithm::RS256,
                    AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => Algorithm::ES256,
                    _ => return Err(AuthError::Algorithm),
                };
                (DecodingKey::from_jwk(jwk).map_err(|_| AuthError::UnknownKey)?, algorithm)
            }
        };
        if header.alg != algorithm {
            return Err(AuthError::Algorithm);
        }
        let data = jsonwebtoken::decode::<serde_json::Value>(token, &key, &self.validation(algorithm))
            .map_err(|e| map_jwt_error(&e))?;
        let claims: Claims = serde_json::from_value(data.claims).map_err(|_| AuthError::Malformed)?;

        let leeway = Duration::seconds(LEEWAY_SECONDS);
        let expires_at = DateTime::from_timestamp(claims.exp, 0).ok_or(AuthError::Malformed)?;
        if now > expires_at + leeway {
            return Err(AuthError::Expired);
        }
        if let Some(nbf) = claims.nbf {
            let not_before = DateTime::from_timestamp(nbf, 0).ok_or(AuthError::Malformed)?;
            if now + leeway < not_before {
                return Err(AuthError::NotYetValid);
            }
        }
        if let Some(iat) = claims.iat {
            let issued_at = DateTime::from_timestamp(iat, 0).ok_or(AuthError::Malformed)?;
            if issued_at > now + leeway {
                return Err(AuthError::IssuedInFuture);
            }
        }
        if claims.sub.trim().is_empty() {
            return Err(AuthError::MissingClaim("sub".into()));
        }
        if claims.sub.len() > MAX_SUBJECT_BYTES || claims.sub.chars().any(char::is_control) {
            return Err(AuthError::UnstorableClaim("sub".into()));
        }
        let role: Role =
            serde_json::from_value(serde_json::Value::String(claims.role)).map_err(|_| AuthError::UnknownRole)?;
        let org_id = claims
            .org
            .as_deref()
            .ok_or_else(|| AuthError::MissingClaim("org".into()))
            .and_then(|o| Uuid::parse_str(o).map_err(|_| AuthError::UnknownOrganisation))?;
        let borrower_id =
            claims.borrower.as_deref().map(|b| Uuid::parse_str(b).map_err(|_| AuthError::Borrower)).transpose()?;
        Ok(Verified { subject: claims.sub, role, org_id, borrower_id, expires_at })
    }
}

fn map_jwt_error(e: &jsonwebtoken::errors::Error) -> AuthError {
    use jsonwebtoken::errors::ErrorKind as K;
    match e.kind() {
        K::InvalidSignature => AuthError::Signature,
        K::InvalidAlgorithm | K::InvalidAlgorithmName | K::InvalidKeyFormat | K::MissingAlgorithm => {
            AuthError::Algorithm
        }
        K::MissingRequiredClaim(c) => AuthError::MissingClaim(c.clone()),
        K::InvalidIssuer => AuthError::Issuer,
        K::InvalidAudience => AuthError::Audience,
        K::ExpiredSignature => AuthError::Expired,
        K::ImmatureSignature => AuthError::NotYetValid,
        _ => AuthError::Malformed,
    }
}

/// What a development token says.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub role: Role,
    pub org_id: Uuid,
    pub borrower_id: Option<Uuid>,
    pub subject: String,
    pub ttl: Duration,
}

/// Mints an HS256 token (for `mfo-api token`, `serve --demo` and tests).
pub fn mint_hs256(
    secret: &[u8],
    issuer: &str,
    audience: &str,
    now: DateTime<Utc>,
    req: &TokenRequest,
) -> anyhow::Result<String> {
    let claims = Claims {
        sub: req.subject.clone(),
        iss: issuer.to_owned(),
        aud: Audience::One(audience.to_owned()),
        exp: (now + req.ttl).timestamp(),
        nbf: Some(now.timestamp()),
        iat: Some(now.timestamp()),
        role: req.role.to_value(),
        org: Some(req.org_id.to_string()),
        borrower: req.borrower_id.map(|b| b.to_string()),
    };
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret))
        .context("failed to sign the token")
}

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn bearer_scheme_is_case_insensitive_and_the_token_is_one_token68() {
        assert_eq!(bearer_token("Bearer abc.def-_~+/=="), Some("abc.def-_~+/=="));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("BEARER abc"), Some("abc"));
        assert_eq!(bearer_token("bEaReR   abc"), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearer a, Bearer b"), None);
        assert_eq!(bearer_token("Bearer a b"), None);
        assert_eq!(bearer_token("Bearerabc"), None);
    }
}
