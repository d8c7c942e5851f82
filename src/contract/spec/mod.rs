//! The documented contract as data: serde types for the JSON files in `specs/`, and the generic
//! rule checker that every endpoint validates its fields with.
//!
//! Each endpoint has one file in `specs/` (route, auth kind, scopes, frequency quota, fields with
//! their rules, and the complete error table copied from its seed document). `specs/platform.json`
//! holds the generic platform errors (FEISHU_FACTS §2, §1, §4). The files are embedded with
//! `include_str!`, so the binary carries its contract.
//!
//! This file holds the types; [`Catalogue`] (the embedded files, loaded once) is in
//! `catalogue.rs`, and the rule checker ([`FieldSpec::validate_json`] and friends) in
//! `rules.rs`.
//!
//! Code never spells a Feishu error message: it names a code, and [`Catalogue`] finds the HTTP
//! status and message in these tables. A rule's violation maps to the code the spec names for that
//! rule (`codes`), or to the endpoint's `param_error` code.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

mod catalogue;
mod rules;

pub use catalogue::{Catalogue, ENDPOINT_FILES, PLATFORM_FILE};
pub use rules::{Checked, JsonView, Violation};

/// Which platform's envelope and auth an endpoint uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    /// open.feishu.cn: `{"code","msg","data"}`, Bearer tokens.
    Open,
    /// project.feishu.cn: `{"err_code","err_msg","err","data"}`, `X-PLUGIN-TOKEN`.
    Project,
}

impl Platform {
    /// The platform's success envelope around a compact JSON `data`: the text before it and
    /// the text after it, making one compact JSON object — `{"code":0,"msg":"success","data":…}`
    /// (open platform) or `{"err_code":0,"err_msg":"","err":{},"data":…}` (Feishu Project).
    pub fn success_envelope(self) -> (&'static str, &'static str) {
        match self {
            Platform::Open => (r#"{"code":0,"msg":"success","data":"#, "}"),
            Platform::Project => (r#"{"err_code":0,"err_msg":"","err":{},"data":"#, "}"),
        }
    }
}

/// How the request body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    /// `multipart/form-data`, read as a stream with the spec's byte limits.
    Multipart,
    /// `application/json`.
    Json,
    /// No body is read.
    None,
}

/// Where a field travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    /// A multipart text part.
    Form,
    /// A multipart file part (recognised by field name, with or without a filename).
    File,
    /// A query-string parameter.
    Query,
    /// A member of the JSON body; `name` is a dotted path, `[]` marks array elements.
    Json,
    /// A path segment of the route (`:name`).
    Path,
}

/// The type a field's value must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Text.
    String,
    /// A whole number; in a form part or query, decimal digits with an optional leading `-`.
    Int,
    /// Any JSON number; in a form part, a decimal number.
    Number,
    /// `true` / `false`.
    Bool,
    /// A JSON object.
    Object,
    /// A JSON array.
    Array,
    /// A string holding a JSON object (e.g. Drive's `extra`).
    JsonObjectString,
    /// File bytes.
    File,
}

/// One field and its documented rules.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct FieldSpec {
    /// Feishu's field name; for JSON bodies a dotted path such as `content.blocks[].type`.
    pub name: String,
    /// Where the field travels.
    #[serde(rename = "in")]
    pub location: Location,
    /// Expected type.
    #[serde(rename = "type")]
    pub kind: Kind,
    /// Whether the field must be present. An empty text part counts as absent for optional fields
    /// only (FEISHU_FACTS §5).
    #[serde(default)]
    pub required: bool,
    /// Other names accepted for the same field (e.g. `file[]` from the Node SDK, snake_case keys
    /// from the Python SDK).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Minimum length in chars (Unicode scalar values).
    #[serde(default)]
    pub min_chars: Option<usize>,
    /// Maximum length in chars (Unicode scalar values).
    #[serde(default)]
    pub max_chars: Option<usize>,
    /// Inclusive lower bound for numbers.
    #[serde(default)]
    pub min: Option<f64>,
    /// Inclusive upper bound for numbers.
    #[serde(default)]
    pub max: Option<f64>,
    /// Allowed values.
    #[serde(default, rename = "enum")]
    pub allowed: Vec<Value>,
    /// A regular expression the whole value must match.
    #[serde(default)]
    pub pattern: Option<String>,
    /// `pattern` compiled, the first time a value is checked against it.
    #[serde(skip)]
    pub(crate) compiled_pattern: std::sync::OnceLock<regex::Regex>,
    /// Maximum size of one file part, in bytes.
    #[serde(default)]
    pub max_bytes: Option<u64>,
    /// Maximum number of parts (files) or array elements.
    #[serde(default)]
    pub max_count: Option<usize>,
    /// Value used when the field is absent.
    #[serde(default)]
    pub default: Option<Value>,
    /// Decimals a number is answered with, rounded (e.g. `progress_rate.percent`: 2).
    #[serde(default)]
    pub answer_decimals: Option<u32>,
    /// Whether a JSON integer is read as its decimal text (a `string` field that an official
    /// SDK types as an integer, e.g. `target_id` in the Python SDK).
    #[serde(default)]
    pub integer_as_text: bool,
    /// Error code per rule name (`missing`, `type`, `min_chars`, `max_chars`, `min`, `max`, `enum`,
    /// `pattern`, `max_bytes`, `max_count`, and endpoint rules such as `exists`); a rule without
    /// an entry answers the endpoint's `param_error`.
    #[serde(default)]
    pub codes: BTreeMap<String, i64>,
    /// `doc` when the seed states the rule, `assumed` where we chose.
    #[serde(default = "default_grade")]
    pub grade: String,
    /// What the rule is and where it comes from.
    #[serde(default)]
    pub note: String,
}

fn default_grade() -> String {
    "doc".to_string()
}

/// One row of an error table.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ErrorSpec {
    /// HTTP status the platform answers with.
    pub http: u16,
    /// Feishu's numeric code.
    pub code: i64,
    /// The message, verbatim from the seed; `{name}` placeholders are filled per response.
    pub msg: String,
    /// Feishu Project only: the symbolic `err_msg` (e.g. `ErrAPIProjectNotFound`).
    #[serde(default)]
    pub name: Option<String>,
    /// When the emulator answers it.
    #[serde(default)]
    pub when: String,
    /// `doc`, `3p`, or `assumed`.
    #[serde(default = "default_grade")]
    pub grade: String,
    /// Whether the answered `msg` names the specific cause after the documented text: the
    /// first field violation's place and rule (e.g. Task's 1470400, "查看返回中的msg确定具体原因").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub detail: bool,
}

/// Fields an endpoint takes, unchanged, from another endpoint's spec (`fields_from`): the
/// same rules, not a copy in the file — e.g. progress record update's `content` and
/// `progress_rate` are create's.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct FieldsFrom {
    /// The spec the fields come from.
    pub endpoint: String,
    /// Top-level field names; each comes with every field below it (`name.…`, `name[]…`), in
    /// that spec's order.
    pub fields: Vec<String>,
}

/// The frequency quota of an endpoint (FEISHU_FACTS §2).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct QuotaSpec {
    /// Requests per second per app.
    #[serde(default)]
    pub per_second: Option<u32>,
    /// Requests per minute per app.
    #[serde(default)]
    pub per_minute: Option<u32>,
    /// Requests per day per app.
    #[serde(default)]
    pub per_day: Option<u32>,
}

/// Authentication an endpoint accepts.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AuthSpec {
    /// Token kinds: `tenant`, `user` (open platform) or `plugin`, `virtual` (Project).
    pub tokens: Vec<String>,
    /// App kinds allowed: `custom` (self-built), `isv` (store app).
    #[serde(default)]
    pub app_types: Vec<String>,
}

/// One endpoint's contract, as in `specs/<name>.json`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct EndpointSpec {
    /// Stable name, `family.resource.action` (e.g. `drive.media.upload_all`).
    pub name: String,
    /// API family: `okr`, `task`, `drive`, `project`.
    pub family: String,
    /// Seed document in `specs/seeds/` this contract is copied from; for a follow-up API with a
    /// table of its own, the section of `FOLLOWUP_APIS.md` (e.g. `FOLLOWUP_APIS.md §2.1`).
    pub seed: String,
    /// HTTP method.
    pub method: String,
    /// Route with `:param` segments.
    pub route: String,
    /// Which platform's envelope.
    pub platform: Platform,
    /// Accepted tokens and app kinds.
    pub auth: AuthSpec,
    /// Any one of these scopes suffices.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Frequency limits.
    #[serde(default)]
    pub quota: QuotaSpec,
    /// Body encoding.
    pub body: BodyKind,
    /// Code for a parameter that breaks a rule without a code of its own.
    pub param_error: i64,
    /// Code for an internal failure of the emulator (never expected).
    pub internal_error: i64,
    /// Fields and their rules.
    #[serde(default)]
    pub fields: Vec<FieldSpec>,
    /// Fields taken from another spec when the catalogue loads, appended after `fields`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields_from: Option<FieldsFrom>,
    /// The complete error table of the seed, plus assumed rows marked as such.
    pub errors: Vec<ErrorSpec>,
    /// Choices made where the docs are silent.
    #[serde(default)]
    pub assumed: Vec<String>,
    /// File parts reach the endpoint whole even under `--retain metadata` (Drive's
    /// `upload_part`: a block is at most 4 MiB, and the endpoint digests it into its upload).
    #[serde(default)]
    pub read_files_whole: bool,
}

impl EndpointSpec {
    /// The field named `name` (or carrying it as an alias). Panics only on a typo in code, which
    /// the spec tests catch: every name the endpoints ask for is looked up at start-up.
    pub fn field(&self, name: &str) -> &FieldSpec {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("spec {} has no field {name}", self.name))
    }

    /// The error row for `code`, if this endpoint documents it.
    pub fn error(&self, code: i64) -> Option<&ErrorSpec> {
        self.errors.iter().find(|e| e.code == code)
    }

    /// The file-part names of this endpoint (names and aliases of `in: file` fields).
    pub fn file_field_names(&self) -> Vec<String> {
        self.fields
            .iter()
            .filter(|f| f.location == Location::File)
            .flat_map(|f| std::iter::once(f.name.clone()).chain(f.aliases.iter().cloned()))
            .collect()
    }

    /// Largest file part allowed, in bytes (the largest `max_bytes` of the file fields).
    pub fn max_file_bytes(&self) -> u64 {
        self.fields
            .iter()
            .filter(|f| f.location == Location::File)
            .filter_map(|f| f.max_bytes)
            .max()
            .unwrap_or(u64::MAX)
    }

    /// Most file parts allowed in one request (the sum of the file fields' `max_count`, 1 each
    /// when unset).
    pub fn max_files(&self) -> usize {
        self.fields
            .iter()
            .filter(|f| f.location == Location::File)
            .map(|f| f.max_count.unwrap_or(1))
            .sum()
    }
}

/// Generic platform errors (`specs/platform.json`).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PlatformSpec {
    /// open.feishu.cn errors that any endpoint may answer (auth, quota).
    pub open: Vec<ErrorSpec>,
    /// Token endpoints' errors (`/open-apis/auth/v3/...`).
    pub auth: Vec<ErrorSpec>,
    /// project.feishu.cn errors that any Project endpoint may answer.
    pub project: Vec<ErrorSpec>,
    /// Text and status of the answer to an unknown route or method.
    pub not_found: NotFoundSpec,
    /// Refusals of a request head at the HTTP layer, before any route runs (all assumed;
    /// `HeadRefusal` in the HTTP layer answers them).
    #[serde(default)]
    pub http_refusals: Vec<HttpRefusalSpec>,
    /// The body every HTTP-level refusal answers, by route (assumed).
    #[serde(default)]
    pub http_refusal_body: String,
    /// Template of `error.troubleshooter`; `{log_id}` and `{code}` are filled in.
    pub troubleshooter: String,
}

/// A refusal of a request head at the HTTP layer (`specs/platform.json` `http_refusals`).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct HttpRefusalSpec {
    /// HTTP status answered.
    pub http: u16,
    /// Which heads are refused.
    pub when: String,
    /// What the body is (see `http_refusal_body`).
    #[serde(default)]
    pub body: String,
    /// `assumed`: the Feishu docs are silent.
    #[serde(default = "default_grade")]
    pub grade: String,
}

/// The answer to an unknown route or method (FEISHU_FACTS §2, 3p).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct NotFoundSpec {
    /// HTTP status (404).
    pub http: u16,
    /// Plain-text body.
    pub body: String,
}
