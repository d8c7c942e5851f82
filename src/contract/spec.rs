//! The documented contract as data: serde types for the JSON files in `specs/`, and the generic
//! rule checker that every endpoint validates its fields with.
//!
//! Each endpoint has one file in `specs/` (route, auth kind, scopes, frequency quota, fields with
//! their rules, and the complete error table copied from its seed document). `specs/platform.json`
//! holds the generic platform errors (FEISHU_FACTS §2, §1, §4). The files are embedded with
//! `include_str!`, so the binary carries its contract.
//!
//! Code never spells a Feishu error message: it names a code, and [`Catalogue`] finds the HTTP
//! status and message in these tables. A rule's violation maps to the code the spec names for that
//! rule (`codes`), or to the endpoint's `param_error` code.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Which platform's envelope and auth an endpoint uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    /// open.feishu.cn: `{"code","msg","data"}`, Bearer tokens.
    Open,
    /// project.feishu.cn: `{"err_code","err_msg","err","data"}`, `X-PLUGIN-TOKEN`.
    Project,
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

/// Every spec of the emulator, loaded once from the embedded files.
#[derive(Debug)]
pub struct Catalogue {
    /// The five endpoints, in `specs/` file order.
    pub endpoints: Vec<EndpointSpec>,
    /// Generic platform errors.
    pub platform: PlatformSpec,
}

/// The embedded endpoint spec files, as (file name, text).
pub const ENDPOINT_FILES: &[(&str, &str)] = &[
    (
        "okr.image.upload.json",
        include_str!("../../specs/okr.image.upload.json"),
    ),
    (
        "okr.progress_record.create.json",
        include_str!("../../specs/okr.progress_record.create.json"),
    ),
    (
        "task.attachment.upload.json",
        include_str!("../../specs/task.attachment.upload.json"),
    ),
    (
        "project.work_item.file.upload.json",
        include_str!("../../specs/project.work_item.file.upload.json"),
    ),
    (
        "drive.media.upload_all.json",
        include_str!("../../specs/drive.media.upload_all.json"),
    ),
    (
        "drive.media.upload_prepare.json",
        include_str!("../../specs/drive.media.upload_prepare.json"),
    ),
    (
        "drive.media.upload_part.json",
        include_str!("../../specs/drive.media.upload_part.json"),
    ),
    (
        "drive.media.upload_finish.json",
        include_str!("../../specs/drive.media.upload_finish.json"),
    ),
    (
        "drive.media.download.json",
        include_str!("../../specs/drive.media.download.json"),
    ),
    (
        "drive.media.batch_get_tmp_download_url.json",
        include_str!("../../specs/drive.media.batch_get_tmp_download_url.json"),
    ),
    (
        "okr.progress_record.get.json",
        include_str!("../../specs/okr.progress_record.get.json"),
    ),
    (
        "okr.progress_record.update.json",
        include_str!("../../specs/okr.progress_record.update.json"),
    ),
    (
        "okr.progress_record.delete.json",
        include_str!("../../specs/okr.progress_record.delete.json"),
    ),
    (
        "project.file.upload.json",
        include_str!("../../specs/project.file.upload.json"),
    ),
    (
        "project.file.delete.json",
        include_str!("../../specs/project.file.delete.json"),
    ),
    (
        "task.attachment.list.json",
        include_str!("../../specs/task.attachment.list.json"),
    ),
    (
        "task.attachment.get.json",
        include_str!("../../specs/task.attachment.get.json"),
    ),
    (
        "task.attachment.delete.json",
        include_str!("../../specs/task.attachment.delete.json"),
    ),
];

/// The fields `from` names, taken from its endpoint among `endpoints` in that spec's order.
/// Panics on a name that spec lacks (a build defect the spec tests catch).
fn inherited_fields(endpoints: &[EndpointSpec], name: &str, from: &FieldsFrom) -> Vec<FieldSpec> {
    let source = endpoints
        .iter()
        .find(|s| s.name == from.endpoint)
        .unwrap_or_else(|| panic!("spec {name}: fields_from names no spec {}", from.endpoint));
    let below = |field: &str, top: &str| {
        field == top
            || field
                .strip_prefix(top)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    };
    for top in &from.fields {
        source.field(top);
    }
    source
        .fields
        .iter()
        .filter(|f| from.fields.iter().any(|top| below(&f.name, top)))
        .cloned()
        .collect()
}

/// The embedded `specs/platform.json`.
pub const PLATFORM_FILE: &str = include_str!("../../specs/platform.json");

impl Catalogue {
    /// The catalogue, parsed on first use. The embedded files are checked by the test suite, so a
    /// parse failure here is a build defect, not a runtime condition.
    pub fn get() -> &'static Catalogue {
        static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
        CATALOGUE.get_or_init(|| {
            let mut endpoints: Vec<EndpointSpec> = ENDPOINT_FILES
                .iter()
                .map(|(file, text)| {
                    serde_json::from_str(text)
                        .unwrap_or_else(|e| panic!("specs/{file} does not parse: {e}"))
                })
                .collect();
            let inherited: Vec<Vec<FieldSpec>> = endpoints
                .iter()
                .map(|e| match &e.fields_from {
                    Some(from) => inherited_fields(&endpoints, &e.name, from),
                    None => Vec::new(),
                })
                .collect();
            for (e, fields) in endpoints.iter_mut().zip(inherited) {
                e.fields.extend(fields);
            }
            let platform = serde_json::from_str(PLATFORM_FILE)
                .unwrap_or_else(|e| panic!("specs/platform.json does not parse: {e}"));
            Catalogue {
                endpoints,
                platform,
            }
        })
    }

    /// The endpoint spec named `name` (e.g. `drive.media.upload_all`).
    pub fn endpoint(&self, name: &str) -> &EndpointSpec {
        self.endpoints
            .iter()
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("no endpoint spec named {name}"))
    }

    /// The platform-wide error row for `code` on `platform`.
    pub fn platform_error(&self, platform: Platform, code: i64) -> Option<&ErrorSpec> {
        let table = match platform {
            Platform::Open => &self.platform.open,
            Platform::Project => &self.platform.project,
        };
        table.iter().find(|e| e.code == code)
    }

    /// The token endpoints' error row for `code`.
    pub fn auth_error(&self, code: i64) -> Option<&ErrorSpec> {
        self.platform.auth.iter().find(|e| e.code == code)
    }
}

/// A broken rule: which field, what value, why, and the code to answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// The code the spec names for the rule.
    pub code: i64,
    /// Field name as Feishu spells it.
    pub field: String,
    /// The offending value as text (truncated to 64 chars), empty when absent.
    pub value: String,
    /// The rule in words (e.g. `max_chars 250`).
    pub description: String,
}

/// A field value that passed its rules, in its typed form.
#[derive(Debug, Clone, PartialEq)]
pub enum Checked {
    /// Absent and optional, with no default.
    Absent,
    /// Text.
    Str(String),
    /// Whole number.
    Int(i64),
    /// Number.
    Num(f64),
    /// Bool.
    Bool(bool),
    /// JSON (objects, arrays, parsed `json_object_string`).
    Json(Value),
}

impl Checked {
    /// The text, when the value is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Checked::Str(s) => Some(s),
            _ => None,
        }
    }
    /// The number, when the value is an int.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Checked::Int(n) => Some(*n),
            _ => None,
        }
    }
}

impl FieldSpec {
    /// The code for breaking `rule`, or `param_error` when the spec names none.
    pub fn code_for(&self, rule: &str, param_error: i64) -> i64 {
        self.codes.get(rule).copied().unwrap_or(param_error)
    }

    /// A violation of `rule` by `value`.
    pub fn violation(
        &self,
        rule: &str,
        param_error: i64,
        value: &str,
        description: String,
    ) -> Violation {
        Violation {
            code: self.code_for(rule, param_error),
            field: self.name.clone(),
            value: value.chars().take(64).collect(),
            description,
        }
    }

    /// Checks a text value (multipart text part, query parameter, path segment).
    ///
    /// `raw` is `None` when the field is absent. An empty string counts as absent for optional
    /// fields (FEISHU_FACTS §5: Python sends unset optional fields as empty parts), and as present
    /// for required ones, so that `min_chars` can answer it. Numbers are parsed from their decimal
    /// text (FEISHU_FACTS §5: numbers travel as text).
    pub fn check_text(&self, raw: Option<&str>, param_error: i64) -> Result<Checked, Violation> {
        let raw = match raw {
            Some("") if !self.required => None,
            other => other,
        };
        let Some(raw) = raw else {
            return self.absent(param_error);
        };
        let value = match self.kind {
            Kind::String => Value::String(raw.to_string()),
            Kind::Int => match parse_decimal_int(raw) {
                Some(n) => Value::from(n),
                None => return Err(self.violation("type", param_error, raw, "an integer".into())),
            },
            Kind::Number => match raw.parse::<f64>().ok().filter(|n| n.is_finite()) {
                Some(n) => Value::from(n),
                None => return Err(self.violation("type", param_error, raw, "a number".into())),
            },
            Kind::Bool => match raw {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return Err(self.violation("type", param_error, raw, "a boolean".into())),
            },
            Kind::JsonObjectString => match serde_json::from_str::<Value>(raw) {
                Ok(v @ Value::Object(_)) => {
                    return Ok(Checked::Json(v));
                }
                _ => {
                    return Err(self.violation(
                        "type",
                        param_error,
                        raw,
                        "a JSON object string".into(),
                    ))
                }
            },
            Kind::Object | Kind::Array | Kind::File => {
                return Err(self.violation("type", param_error, raw, format!("{:?}", self.kind)))
            }
        };
        self.check_value(&value, param_error)
    }

    /// Checks a JSON value (`None` when the member is absent; JSON `null` counts as absent).
    pub fn check_json(
        &self,
        value: Option<&Value>,
        param_error: i64,
    ) -> Result<Checked, Violation> {
        match value {
            None | Some(Value::Null) => self.absent(param_error),
            Some(v) => self.check_value(v, param_error),
        }
    }

    /// The `missing` rule: an absent field breaks it when it is required.
    fn may_be_absent(&self, param_error: i64) -> Result<(), Violation> {
        if self.required {
            return Err(self.violation("missing", param_error, "", "required".into()));
        }
        Ok(())
    }

    fn absent(&self, param_error: i64) -> Result<Checked, Violation> {
        self.may_be_absent(param_error)?;
        match &self.default {
            Some(d) => self.check_value(d, param_error),
            None => Ok(Checked::Absent),
        }
    }

    /// Checks a JSON value like [`FieldSpec::check_json`] without building the typed value:
    /// for validating every member of a body (objects and arrays are not copied, and the
    /// offending value is rendered only when a rule is broken).
    pub fn validate_json(&self, value: Option<&Value>, param_error: i64) -> Result<(), Violation> {
        match value {
            // As `absent`, without building the typed default.
            None | Some(Value::Null) => {
                self.may_be_absent(param_error)?;
                match &self.default {
                    Some(d) => self.validate(d, param_error),
                    None => Ok(()),
                }
            }
            Some(v) => self.validate(v, param_error),
        }
    }

    fn check_value(&self, value: &Value, param_error: i64) -> Result<Checked, Violation> {
        self.validate(value, param_error)?;
        Ok(match (self.kind, value) {
            (Kind::String, Value::String(s)) => Checked::Str(s.clone()),
            (Kind::Int, Value::Number(n)) => Checked::Int(whole_number(n).unwrap_or_default()),
            (Kind::Number, Value::Number(n)) => Checked::Num(n.as_f64().unwrap_or(f64::NAN)),
            (Kind::Bool, Value::Bool(b)) => Checked::Bool(*b),
            _ => Checked::Json(value.clone()),
        })
    }

    /// Every rule of this field against `value`: type, chars, pattern, range, count, enum.
    fn validate(&self, value: &Value, param_error: i64) -> Result<(), Violation> {
        let view = match value {
            Value::String(s) => JsonView::Str(s),
            Value::Number(n) => JsonView::Number(n),
            Value::Bool(b) => JsonView::Bool(*b),
            Value::Object(_) => JsonView::Object,
            Value::Array(items) => JsonView::Array(items.len()),
            // A null reaches here only inside arrays; no kind accepts it.
            Value::Null => JsonView::Null,
        };
        let shown = || match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        self.validate_with(view, &shown, &|a| json_eq(a, value), param_error)
    }

    /// Every rule of this field against a value seen without its contents (a streaming reader
    /// checks each value as it passes): the same rules as [`FieldSpec::validate_json`] for a
    /// present value, except that an object or array never equals an `enum` entry (no spec
    /// documents an enum of containers). Errors: the field's `type`, `min_chars`, `max_chars`,
    /// `pattern`, `min`, `max`, `max_count` or `enum` code, else `param_error`.
    pub fn validate_view(&self, view: JsonView<'_>, param_error: i64) -> Result<(), Violation> {
        let shown = || match view {
            JsonView::Str(s) => s.to_string(),
            JsonView::Number(n) => n.to_string(),
            JsonView::Bool(b) => b.to_string(),
            JsonView::Null => "null".to_string(),
            JsonView::Object => "{…}".to_string(),
            JsonView::Array(n) => format!("[{n} items]"),
        };
        let equals = |a: &Value| match (a, view) {
            (Value::Number(x), JsonView::Number(y)) => x.as_f64() == y.as_f64(),
            (Value::String(x), JsonView::Str(y)) => x == y,
            (Value::Bool(x), JsonView::Bool(y)) => *x == y,
            (Value::Null, JsonView::Null) => true,
            _ => false,
        };
        self.validate_with(view, &shown, &equals, param_error)
    }

    /// The rules themselves, for [`FieldSpec::validate`] and [`FieldSpec::validate_view`]:
    /// `shown` renders the offending value for a violation, `equals` compares it with an `enum`
    /// entry.
    fn validate_with(
        &self,
        value: JsonView<'_>,
        shown: &dyn Fn() -> String,
        equals: &dyn Fn(&Value) -> bool,
        param_error: i64,
    ) -> Result<(), Violation> {
        let number = match (self.kind, value) {
            (Kind::String, JsonView::Str(_))
            | (Kind::Bool, JsonView::Bool(_))
            | (Kind::Object, JsonView::Object)
            | (Kind::Array, JsonView::Array(_)) => None,
            // 2.0 is an int to Feishu's JSON decoders; 2.5 is not.
            (Kind::Int, JsonView::Number(n)) => match whole_number(n) {
                Some(i) => Some(i as f64),
                None => {
                    return Err(self.violation("type", param_error, &shown(), "an integer".into()))
                }
            },
            (Kind::Number, JsonView::Number(n)) => Some(n.as_f64().unwrap_or(f64::NAN)),
            _ => {
                return Err(self.violation(
                    "type",
                    param_error,
                    &shown(),
                    format!("of type {:?}", self.kind).to_lowercase(),
                ))
            }
        };
        if let (Kind::String, JsonView::Str(s)) = (self.kind, value) {
            if self.min_chars.is_some() || self.max_chars.is_some() {
                let chars = s.chars().count();
                if let Some(min) = self.min_chars {
                    if chars < min {
                        return Err(self.violation(
                            "min_chars",
                            param_error,
                            s,
                            format!("at least {min} chars"),
                        ));
                    }
                }
                if let Some(max) = self.max_chars {
                    if chars > max {
                        return Err(self.violation(
                            "max_chars",
                            param_error,
                            s,
                            format!("at most {max} chars"),
                        ));
                    }
                }
            }
            if let Some(p) = &self.pattern {
                if !pattern_matches(p, s) {
                    return Err(self.violation("pattern", param_error, s, format!("matching {p}")));
                }
            }
        }
        if let Some(n) = number {
            if let Some(min) = self.min {
                if n < min {
                    return Err(self.violation("min", param_error, &shown(), format!("≥ {min}")));
                }
            }
            if let Some(max) = self.max {
                if n > max {
                    return Err(self.violation("max", param_error, &shown(), format!("≤ {max}")));
                }
            }
        }
        if let (Kind::Array, JsonView::Array(len)) = (self.kind, value) {
            if let Some(max) = self.max_count {
                if len > max {
                    return Err(self.violation(
                        "max_count",
                        param_error,
                        &shown(),
                        format!("at most {max} items"),
                    ));
                }
            }
        }
        if !self.allowed.is_empty() && !self.allowed.iter().any(equals) {
            return Err(self.violation(
                "enum",
                param_error,
                &shown(),
                format!(
                    "one of {}",
                    Value::Array(self.allowed.clone())
                        .to_string()
                        .replace('"', "")
                ),
            ));
        }
        Ok(())
    }
}

/// A JSON value as the field rules see it: scalars whole, containers by kind and length only
/// (for [`FieldSpec::validate_view`]).
#[derive(Debug, Clone, Copy)]
pub enum JsonView<'a> {
    /// A string.
    Str(&'a str),
    /// A number.
    Number(&'a serde_json::Number),
    /// `true` / `false`.
    Bool(bool),
    /// `null` (inside an array; a null member counts as absent instead).
    Null,
    /// An object.
    Object,
    /// An array of this many items.
    Array(usize),
}

/// The value of a JSON number that is whole: an i64, or a float without a fraction below 9e15.
fn whole_number(n: &serde_json::Number) -> Option<i64> {
    match n.as_i64() {
        Some(i) => Some(i),
        None => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
            _ => None,
        },
    }
}

/// Equality that treats `2` and `2.0` as the same number.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// Parses `-?[0-9]+` into an i64; anything else (spaces, `+`, decimals) is not an int.
fn parse_decimal_int(raw: &str) -> Option<i64> {
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse().ok()
}

/// Whether `value` matches the anchored regular expression `pattern`. Patterns come from the
/// embedded specs and are compiled once each.
pub fn pattern_matches(pattern: &str, value: &str) -> bool {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static CACHE: OnceLock<Mutex<HashMap<String, regex::Regex>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    let re = cache.entry(pattern.to_string()).or_insert_with(|| {
        regex::Regex::new(pattern).unwrap_or_else(|e| panic!("bad pattern {pattern}: {e}"))
    });
    re.is_match(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(json: &str) -> FieldSpec {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn every_embedded_spec_parses() {
        let c = Catalogue::get();
        assert_eq!(c.endpoints.len(), ENDPOINT_FILES.len());
    }

    #[test]
    fn empty_optional_text_counts_as_absent_but_empty_required_text_is_checked() {
        let opt = field(r#"{"name":"checksum","in":"form","type":"string"}"#);
        assert_eq!(opt.check_text(Some(""), 1), Ok(Checked::Absent));
        let req = field(
            r#"{"name":"file_name","in":"form","type":"string","required":true,"min_chars":1,"codes":{"min_chars":7}}"#,
        );
        assert_eq!(req.check_text(Some(""), 1).unwrap_err().code, 7);
        assert_eq!(req.check_text(None, 1).unwrap_err().code, 1);
    }

    #[test]
    fn int_text_must_be_plain_decimal_digits() {
        let f = field(r#"{"name":"size","in":"form","type":"int","required":true}"#);
        assert_eq!(f.check_text(Some("1024"), 1), Ok(Checked::Int(1024)));
        for bad in ["1.5", " 1", "+1", "abc", "1e3", "99999999999999999999"] {
            assert!(f.check_text(Some(bad), 1).is_err(), "{bad}");
        }
    }

    #[test]
    fn chars_are_counted_as_unicode_scalar_values_not_bytes() {
        let f = field(r#"{"name":"n","in":"form","type":"string","max_chars":2}"#);
        assert!(f.check_text(Some("图片"), 1).is_ok());
        assert!(f.check_text(Some("图片x"), 1).is_err());
    }
}
