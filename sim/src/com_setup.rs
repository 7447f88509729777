//! Reading a script's COM declarations: `machine.com_applications` (COM+ server
//! applications with their roles, queuing and security levels) and `machine.com_classes`
//! (the classes local server processes serve).

use std::collections::HashMap;
use std::sync::Arc;

use tokenhop_model::machine::com::Application;
use tokenhop_model::machine::ids::ProcessId;
use tokenhop_model::machine::rpc::{authn_level, imp_level};
use tokenhop_model::machine::setup::Setup;

use crate::error::Fault;
use crate::node::Node;
use crate::reader::{Fields, Read, boolean, entries, index, join, list, string, word};

/// Declares the machine's COM+ applications and classes; processes must exist already.
pub fn declare(
    machine: Option<&Fields<'_>>,
    processes: &HashMap<String, ProcessId>,
    setup: &mut Setup,
) -> Read<()> {
    let mut applications: Vec<(String, u32)> = Vec::new();
    if let Some(n) = machine.and_then(|m| m.get("com_applications")) {
        for (i, a) in list(n, "machine.com_applications")?.iter().enumerate() {
            let p = index("machine.com_applications", i);
            let (name, app) = application(a, &p, setup)?;
            if applications.iter().any(|(n, _)| *n == name) {
                return Err(Fault::new(
                    a.span,
                    join(&p, "name"),
                    format!("an application named `{name}` is already declared"),
                ));
            }
            let id = setup
                .add_com_application(app)
                .map_err(|e| Fault::new(a.span, &p, e.to_string()))?;
            applications.push((name, id));
        }
    }
    let mut classes: Vec<String> = Vec::new();
    if let Some(n) = machine.and_then(|m| m.get("com_classes")) {
        for (i, c) in list(n, "machine.com_classes")?.iter().enumerate() {
            let p = index("machine.com_classes", i);
            let f = Fields::new(c, &p, "a COM class", &["name", "server", "application"])?;
            let name = string(f.require("name", "a COM class")?, &f.path("name"))?;
            if classes.contains(&name) {
                return Err(Fault::new(
                    c.span,
                    f.path("name"),
                    format!("a class named `{name}` is already declared"),
                ));
            }
            let server_node = f.require("server", "a COM class")?;
            let server_name = string(server_node, &f.path("server"))?;
            let server = *processes.get(&server_name).ok_or_else(|| {
                let mut declared: Vec<&String> = processes.keys().collect();
                declared.sort();
                Fault::new(
                    server_node.span,
                    f.path("server"),
                    format!("`{server_name}` is not a process of the scenario"),
                )
                .allowing(declared.into_iter().cloned())
            })?;
            let app = match f.get("application").filter(|n| !n.is_null()) {
                None => None,
                Some(a) => {
                    let app_name = string(a, &f.path("application"))?;
                    Some(
                        applications
                            .iter()
                            .find(|(n, _)| *n == app_name)
                            .map(|(_, id)| *id)
                            .ok_or_else(|| {
                                Fault::new(
                                    a.span,
                                    f.path("application"),
                                    format!(
                                        "`{app_name}` is not a COM+ application of the machine"
                                    ),
                                )
                                .allowing(applications.iter().map(|(n, _)| n.clone()))
                            })?,
                    )
                }
            };
            setup
                .add_com_class(&name, server, app)
                .map_err(|e| Fault::new(c.span, &p, e.to_string()))?;
            classes.push(name);
        }
    }
    Ok(())
}

fn application(node: &Node, path: &str, setup: &Setup) -> Read<(String, Application)> {
    let f = Fields::new(
        node,
        path,
        "a COM+ application",
        &[
            "name",
            "kind",
            "role_based_security",
            "roles",
            "queued",
            "impersonation_level",
            "authentication_level",
        ],
    )?;
    let name = string(f.require("name", "a COM+ application")?, &f.path("name"))?;
    if let Some(k) = f.get("kind") {
        let kind = word(
            k,
            &f.path("kind"),
            "an application kind",
            &[("server", true), ("library", false)],
        )?;
        if !kind {
            return Err(Fault::new(
                k.span,
                f.path("kind"),
                "library applications run in their client's process and are not modelled; declare a server application",
            ));
        }
    }
    let imp_names: Vec<(&str, u32)> = imp_level::NAMES.iter().map(|(v, n)| (*n, *v)).collect();
    let impersonation_level = match f.get("impersonation_level") {
        Some(n) => {
            let v = word(
                n,
                &f.path("impersonation_level"),
                "an RPC_C_IMP_LEVEL_* value",
                &imp_names,
            )?;
            if v == imp_level::DEFAULT {
                return Err(Fault::new(
                    n.span,
                    f.path("impersonation_level"),
                    "an application's impersonation level is one of ANONYMOUS, IDENTIFY, IMPERSONATE, DELEGATE",
                ));
            }
            v
        }
        None => imp_level::IMPERSONATE,
    };
    let authn_names: Vec<(&str, u32)> = authn_level::NAMES.iter().map(|(v, n)| (*n, *v)).collect();
    let authentication_level = word(
        f.require(
            "authentication_level",
            "a COM+ application (its Authentication property)",
        )?,
        &f.path("authentication_level"),
        "an RPC_C_AUTHN_LEVEL_* value",
        &authn_names,
    )?;
    let role_based_security = match f.get("role_based_security") {
        Some(n) => boolean(n, &f.path("role_based_security"))?,
        None => true,
    };
    let queued = match f.get("queued") {
        Some(n) => boolean(n, &f.path("queued"))?,
        None => false,
    };
    let mut roles = Vec::new();
    if let Some(n) = f.get("roles") {
        for (role, _, members) in entries(n, &f.path("roles"))? {
            let rp = join(&f.path("roles"), &role);
            let mut ids = Vec::new();
            for (i, m) in list(members, &rp)?.iter().enumerate() {
                let mp = index(&rp, i);
                let member = string(m, &mp)?;
                let world = setup.world();
                let id = world.principals.find(&member).ok_or_else(|| {
                    Fault::new(
                        m.span,
                        &mp,
                        format!("`{member}` is not a user or group of the machine"),
                    )
                })?;
                ids.push(id);
            }
            roles.push((Arc::from(role.as_str()), ids));
        }
    }
    Ok((
        name.clone(),
        Application {
            name: Arc::from(name.as_str()),
            role_based_security,
            roles,
            queued,
            impersonation_level,
            authentication_level,
        },
    ))
}
