//! Checks a world fragment before `POST /__mock/world` adds it (issue 12 item 10), so that the
//! control plane never corrupts the running world silently.
//!
//! A fragment is refused whole, naming every problem, when
//! - an id or token is empty;
//! - it names the same object twice;
//! - it names an object the running world already has (an app, user, pre-issued token, Drive
//!   node, OKR objective / key result / image, task, Project plugin, user or space), unless the
//!   request says `?replace=true`;
//! - it refers to what neither it nor the running world holds: a token's app or user, a key
//!   result's objective, an image's target (`target_type` 2 objective, 3 key result), a task
//!   editor (an open_id or an app_id), a work item's type in its space, a plugin's space.

use crate::control::Emulator;
use crate::families::world::World;
use std::collections::HashSet;

/// Every problem of `w` as an addition to `emulator`'s world; empty when it may be added.
pub fn problems(emulator: &Emulator, w: &World, replace: bool) -> Vec<String> {
    let store = &emulator.store;
    let fam = &emulator.families;
    let mut out = Vec::new();
    let mut check = |kind: &str, ids: Vec<&str>, exists: &dyn Fn(&str) -> bool| {
        let mut seen = HashSet::new();
        for id in ids {
            if id.trim().is_empty() {
                out.push(format!("{kind}: an empty id"));
            } else if !seen.insert(id) {
                out.push(format!("{kind} {id:?} is given twice"));
            } else if !replace && exists(id) {
                out.push(format!(
                    "{kind} {id:?} already exists (POST /__mock/world?replace=true replaces it)"
                ));
            }
        }
    };
    let tokens: Vec<&str> = w
        .tenant_access_tokens
        .iter()
        .map(|t| t.token.as_str())
        .chain(w.user_access_tokens.iter().map(|t| t.token.as_str()))
        .collect();
    check("app", ids(&w.apps, |a| &a.app_id), &|id| {
        store.app(id).is_some()
    });
    check("user", ids(&w.users, |u| &u.open_id), &|id| {
        store.user(id).is_some()
    });
    check("token", tokens, &|t| store.live_token(t).is_some());
    check("drive node", ids(&w.drive.nodes, |n| &n.token), &|t| {
        fam.drive.node(t).is_some()
    });
    check("okr objective", ids(&w.okr.objectives, |o| &o.id), &|id| {
        fam.okr.target_exists(id, 2)
    });
    check(
        "okr key result",
        ids(&w.okr.key_results, |k| &k.id),
        &|id| fam.okr.target_exists(id, 3),
    );
    check("okr image", ids(&w.okr.images, |i| &i.file_token), &|t| {
        fam.okr.image(t).is_some()
    });
    check("task", ids(&w.task.tasks, |t| &t.guid), &|g| {
        fam.task.task(g).is_some()
    });
    check(
        "project plugin",
        ids(&w.project.plugins, |p| &p.plugin_id),
        &|p| fam.project.plugin_secret(p).is_some(),
    );
    check(
        "project user",
        ids(&w.project.users, |u| &u.user_key),
        &|k| fam.project.has_user(k),
    );
    check(
        "project space",
        ids(&w.project.spaces, |s| &s.project_key),
        &|k| fam.project.space(k).is_some(),
    );

    let app_known = |id: &str| w.apps.iter().any(|a| a.app_id == id) || store.app(id).is_some();
    let user_known = |id: &str| w.users.iter().any(|u| u.open_id == id) || store.user(id).is_some();
    let objective_known =
        |id: &str| w.okr.objectives.iter().any(|o| o.id == id) || fam.okr.target_exists(id, 2);
    let key_result_known =
        |id: &str| w.okr.key_results.iter().any(|k| k.id == id) || fam.okr.target_exists(id, 3);
    for t in &w.tenant_access_tokens {
        if !app_known(&t.app_id) {
            out.push(format!("token {:?}: unknown app {:?}", t.token, t.app_id));
        }
    }
    for t in &w.user_access_tokens {
        if !app_known(&t.app_id) {
            out.push(format!("token {:?}: unknown app {:?}", t.token, t.app_id));
        }
        if !user_known(&t.open_id) {
            out.push(format!("token {:?}: unknown user {:?}", t.token, t.open_id));
        }
    }
    for k in &w.okr.key_results {
        if !k.objective_id.is_empty() && !objective_known(&k.objective_id) {
            out.push(format!(
                "okr key result {:?}: unknown objective {:?}",
                k.id, k.objective_id
            ));
        }
    }
    for o in &w.okr.objectives {
        if !o.owner_open_id.is_empty() && !user_known(&o.owner_open_id) {
            out.push(format!(
                "okr objective {:?}: unknown owner {:?}",
                o.id, o.owner_open_id
            ));
        }
    }
    for i in &w.okr.images {
        let known = match i.target_type {
            2 => objective_known(&i.target_id),
            3 => key_result_known(&i.target_id),
            other => {
                out.push(format!(
                    "okr image {:?}: target_type {other} is neither 2 (objective) nor 3 (key result)",
                    i.file_token
                ));
                continue;
            }
        };
        if !known {
            out.push(format!(
                "okr image {:?}: unknown target {:?} of type {}",
                i.file_token, i.target_id, i.target_type
            ));
        }
    }
    for t in &w.task.tasks {
        for e in &t.editors {
            if !user_known(e) && !app_known(e) {
                out.push(format!(
                    "task {:?}: editor {e:?} is neither a user's open_id nor an app_id",
                    t.guid
                ));
            }
        }
    }
    for p in &w.project.plugins {
        for key in &p.spaces {
            let known = w.project.spaces.iter().any(|s| {
                s.project_key == *key || (!s.simple_name.is_empty() && s.simple_name == *key)
            }) || fam.project.space(key).is_some();
            if !known {
                out.push(format!(
                    "project plugin {:?}: unknown space {key:?}",
                    p.plugin_id
                ));
            }
        }
    }
    for s in &w.project.spaces {
        for item in &s.work_items {
            if item.id.trim().is_empty() {
                out.push(format!(
                    "project space {:?}: a work item with an empty id",
                    s.project_key
                ));
            }
            if !s
                .work_item_types
                .iter()
                .any(|t| t.type_key == item.work_item_type_key)
            {
                out.push(format!(
                    "project space {:?}: work item {:?} of unknown type {:?}",
                    s.project_key, item.id, item.work_item_type_key
                ));
            }
        }
    }
    out
}

fn ids<T>(items: &[T], id: impl Fn(&T) -> &String) -> Vec<&str> {
    items.iter().map(|i| id(i).as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::store::Options;

    #[test]
    fn the_default_world_is_consistent_and_cannot_be_added_twice_without_replace() {
        let world = World::default_world();
        let empty = Emulator::new(&World::default(), Some(1), Options::default());
        assert_eq!(problems(&empty, &world, false), Vec::<String>::new());
        let full = Emulator::new(&world, Some(1), Options::default());
        assert!(!problems(&full, &world, false).is_empty());
        assert_eq!(problems(&full, &world, true), Vec::<String>::new());
    }
}
