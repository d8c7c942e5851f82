//! The catalogue: every embedded spec file (`specs/*.json`), parsed once, with the endpoints'
//! inherited fields (`fields_from`) resolved, and the lookups by endpoint name and error code.

use super::{EndpointSpec, ErrorSpec, FieldSpec, FieldsFrom, Platform, PlatformSpec};
use std::sync::OnceLock;

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
        include_str!("../../../specs/okr.image.upload.json"),
    ),
    (
        "okr.progress_record.create.json",
        include_str!("../../../specs/okr.progress_record.create.json"),
    ),
    (
        "task.attachment.upload.json",
        include_str!("../../../specs/task.attachment.upload.json"),
    ),
    (
        "project.work_item.file.upload.json",
        include_str!("../../../specs/project.work_item.file.upload.json"),
    ),
    (
        "drive.media.upload_all.json",
        include_str!("../../../specs/drive.media.upload_all.json"),
    ),
    (
        "drive.media.upload_prepare.json",
        include_str!("../../../specs/drive.media.upload_prepare.json"),
    ),
    (
        "drive.media.upload_part.json",
        include_str!("../../../specs/drive.media.upload_part.json"),
    ),
    (
        "drive.media.upload_finish.json",
        include_str!("../../../specs/drive.media.upload_finish.json"),
    ),
    (
        "drive.media.download.json",
        include_str!("../../../specs/drive.media.download.json"),
    ),
    (
        "drive.media.batch_get_tmp_download_url.json",
        include_str!("../../../specs/drive.media.batch_get_tmp_download_url.json"),
    ),
    (
        "okr.progress_record.get.json",
        include_str!("../../../specs/okr.progress_record.get.json"),
    ),
    (
        "okr.progress_record.update.json",
        include_str!("../../../specs/okr.progress_record.update.json"),
    ),
    (
        "okr.progress_record.delete.json",
        include_str!("../../../specs/okr.progress_record.delete.json"),
    ),
    (
        "project.file.upload.json",
        include_str!("../../../specs/project.file.upload.json"),
    ),
    (
        "project.file.delete.json",
        include_str!("../../../specs/project.file.delete.json"),
    ),
    (
        "task.attachment.list.json",
        include_str!("../../../specs/task.attachment.list.json"),
    ),
    (
        "task.attachment.get.json",
        include_str!("../../../specs/task.attachment.get.json"),
    ),
    (
        "task.attachment.delete.json",
        include_str!("../../../specs/task.attachment.delete.json"),
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
pub const PLATFORM_FILE: &str = include_str!("../../../specs/platform.json");

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
