//! Generated BloodHound CE collections (data format 6) of any size, for measuring the
//! importer: one domain whose objects come in the proportions an enterprise directory
//! has, written object by object so that generating a million objects needs no more memory
//! than one.
//!
//! Of every hundred objects, about 75 are users, 20 computers and 5 groups. Among users,
//! 2 in 100 are service accounts with an SPN on a server (a fifth of them with constrained
//! delegation to a server's `cifs/`, half of those with protocol transition), 1 in 100 is
//! sensitive, 1 in 200 is in Protected Users, and 1 in 20 is disabled. Among computers, two
//! are domain controllers, 1 in 200 is trusted for unconstrained delegation, 1 in 100 has
//! constrained delegation, 1 in 100 admits another computer by RBCD, and 1 in 10 is a
//! server with an `HTTP/` or `MSSQLSvc/` SPN beside its `HOST/` ones. Every user and
//! computer carries the ACEs a default directory gives it (Domain Admins, Enterprise Admins
//! and Account Operators with GenericAll, the object's own self-write entries), every tenth
//! computer gives a helpdesk group GenericWrite, and one in a hundred objects gives a random
//! user WriteAccountRestrictions or WriteSPN. Every user is a member of two groups, and
//! one group in ten is nested in another. The generator is deterministic for a seed.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tokenhop_model::core::widen::usize_of;
use tokenhop_model::net::generate::SplitMix;

/// The domain every generated collection describes.
pub const DOMAIN: &str = "CORP.EXAMPLE";

/// Its SID.
pub const DOMAIN_SID: &str = "S-1-5-21-1111-2222-3333";

/// The well-known groups a generated domain has, by RID and name.
const WELL_KNOWN_GROUPS: &[(u32, &str)] = &[
    (512, "DOMAIN ADMINS"),
    (513, "DOMAIN USERS"),
    (515, "DOMAIN COMPUTERS"),
    (516, "DOMAIN CONTROLLERS"),
    (519, "ENTERPRISE ADMINS"),
    (525, "PROTECTED USERS"),
];

/// How many well-known groups there are.
const WELL_KNOWN: u32 = 6;
const _: () = assert!(WELL_KNOWN_GROUPS.len() == WELL_KNOWN as usize);

/// The first RID of generated (not well-known) objects.
const FIRST_RID: u32 = 1_000;

/// How many objects of each kind a collection of a given size holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proportions {
    /// Users.
    pub users: u32,
    /// Computers (at least the two domain controllers).
    pub computers: u32,
    /// Groups, the well-known ones included.
    pub groups: u32,
}

impl Proportions {
    /// The split of `objects` objects (domain excluded): 75% users, 20% computers, 5%
    /// groups, with at least two computers and the well-known groups plus one.
    ///
    /// # Errors
    ///
    /// [`TooLarge`] when the objects would not all get a 32-bit RID.
    pub fn of(objects: u32) -> Result<Self, TooLarge> {
        let most = u32::MAX - FIRST_RID;
        if objects > most {
            return Err(TooLarge { objects, most });
        }
        let computers = (objects / 5).max(2);
        let groups = (objects / 20).max(WELL_KNOWN + 1);
        let users = objects.saturating_sub(computers + groups).max(1);
        Ok(Proportions {
            users,
            computers,
            groups,
        })
    }

    /// Every object, users, computers and groups together.
    #[must_use]
    pub fn total(self) -> u64 {
        u64::from(self.users) + u64::from(self.computers) + u64::from(self.groups)
    }
}

/// A collection larger than its RIDs can number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a generated collection holds at most {most} objects, not {objects}")]
pub struct TooLarge {
    /// The objects asked for.
    pub objects: u32,
    /// The most there can be.
    pub most: u32,
}

/// A collection written to disk.
#[derive(Clone, Debug)]
pub struct Generated {
    /// Its four files (users, computers, groups, domains).
    pub files: Vec<PathBuf>,
    /// Its objects by kind.
    pub proportions: Proportions,
    /// The bytes of JSON written.
    pub bytes: u64,
}

/// Why a collection could not be written.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The size asked for.
    #[error(transparent)]
    TooLarge(#[from] TooLarge),
    /// Writing a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: io::Error,
    },
}

/// Writes a collection of about `objects` objects into the folder `dir` (which must exist),
/// deterministic for `seed`.
///
/// # Errors
///
/// [`GenerateError`] when the size is too large or a file cannot be written.
pub fn write_collection(dir: &Path, objects: u32, seed: u64) -> Result<Generated, GenerateError> {
    let p = Proportions::of(objects)?;
    let plan = Plan::new(p);
    let mut rng = SplitMix::new(seed);
    let mut files = Vec::new();
    let mut bytes = 0;
    for kind in ["users", "computers", "groups", "domains"] {
        let path = dir.join(format!("20260101000000_{kind}.json"));
        let written = write_file(&path, kind, |out, count| match kind {
            "users" => plan.users(out, count, &mut rng),
            "computers" => plan.computers(out, count, &mut rng),
            "groups" => plan.groups(out, count, &mut rng),
            _ => plan.domain(out, count),
        })
        .map_err(|source| GenerateError::Io {
            path: path.clone(),
            source,
        })?;
        bytes += written;
        files.push(path);
    }
    Ok(Generated {
        files,
        proportions: p,
        bytes,
    })
}

/// Writes one file: `{"data":[` then the objects `body` writes (counting them), then the
/// `meta` with that count. Returns the bytes written.
fn write_file(
    path: &Path,
    kind: &str,
    body: impl FnOnce(&mut Counted, &mut u64) -> io::Result<()>,
) -> io::Result<u64> {
    let mut out = Counted {
        inner: BufWriter::new(File::create(path)?),
        bytes: 0,
    };
    out.write_all(b"{\"data\":[")?;
    let mut count = 0;
    body(&mut out, &mut count)?;
    write!(
        out,
        "],\"meta\":{{\"methods\":46067,\"type\":\"{kind}\",\"count\":{count},\"version\":6,\"collectorversion\":\"2.5.7\"}}}}"
    )?;
    out.inner.flush()?;
    Ok(out.bytes)
}

/// A writer that counts what passes through it.
struct Counted {
    inner: BufWriter<File>,
    bytes: u64,
}

impl Write for Counted {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Where each kind's RIDs start.
struct Plan {
    p: Proportions,
    first_user: u32,
    first_computer: u32,
    first_group: u32,
}

/// An object's SID in the generated domain.
fn sid(rid: u32) -> String {
    format!("{DOMAIN_SID}-{rid}")
}

/// The ACEs a default directory puts on a user or computer, and the occasional extra.
fn aces(
    out: &mut Counted,
    rid: u32,
    helpdesk: Option<u32>,
    extra: Option<(u32, &str)>,
) -> io::Result<()> {
    out.write_all(b"\"Aces\":[")?;
    let mut first = true;
    let mut ace = |out: &mut Counted, principal: &str, kind: &str, right: &str, inherited: bool| {
        let comma = if first { "" } else { "," };
        first = false;
        write!(
            out,
            "{comma}{{\"PrincipalSID\":\"{principal}\",\"PrincipalType\":\"{kind}\",\"RightName\":\"{right}\",\"IsInherited\":{inherited},\"InheritanceHash\":\"\"}}"
        )
    };
    ace(out, &sid(512), "Group", "GenericAll", true)?;
    ace(out, &sid(519), "Group", "GenericAll", true)?;
    ace(
        out,
        &format!("{DOMAIN}-S-1-5-32-548"),
        "Group",
        "GenericAll",
        true,
    )?;
    ace(out, &sid(512), "Group", "Owns", false)?;
    ace(out, &sid(rid), "Base", "WriteAccountRestrictions", false)?;
    ace(
        out,
        &format!("{DOMAIN}-S-1-5-32-544"),
        "Group",
        "WriteDacl",
        true,
    )?;
    if let Some(group) = helpdesk {
        ace(out, &sid(group), "Group", "GenericWrite", true)?;
    }
    if let Some((user, right)) = extra {
        ace(out, &sid(user), "User", right, false)?;
    }
    out.write_all(b"]")
}

impl Plan {
    fn new(p: Proportions) -> Self {
        let first_user = FIRST_RID;
        let first_computer = first_user + p.users;
        let first_group = first_computer + p.computers;
        Plan {
            p,
            first_user,
            first_computer,
            first_group,
        }
    }

    fn random_user(&self, rng: &mut SplitMix) -> u32 {
        self.first_user + below(rng, self.p.users)
    }

    fn random_server(&self, rng: &mut SplitMix) -> u32 {
        // Servers are the computers whose index is a multiple of ten.
        let servers = self.p.computers.div_ceil(10);
        self.first_computer + below(rng, servers) * 10
    }

    fn fqdn(&self, computer_rid: u32) -> String {
        format!("srv{}.corp.example", computer_rid - self.first_computer)
    }

    fn users(&self, out: &mut Counted, count: &mut u64, rng: &mut SplitMix) -> io::Result<()> {
        for i in 0..self.p.users {
            let rid = self.first_user + i;
            if i > 0 {
                out.write_all(b",")?;
            }
            let service = rng.chance(2);
            let delegates = service && rng.chance(20);
            let transition = delegates && rng.chance(50);
            let sensitive = rng.chance(1);
            let enabled = !rng.chance(5);
            let spns = if service {
                let host = self.fqdn(self.random_server(rng));
                if rng.chance(50) {
                    format!("\"HTTP/{host}\"")
                } else {
                    format!("\"MSSQLSvc/{host}:1433\"")
                }
            } else {
                String::new()
            };
            let delegate = if delegates {
                format!("\"cifs/{}\"", self.fqdn(self.random_server(rng)))
            } else {
                String::new()
            };
            write!(
                out,
                "{{\"Properties\":{{\"domain\":\"{DOMAIN}\",\"name\":\"USER{i}@{DOMAIN}\",\"distinguishedname\":\"CN=USER{i},OU=STAFF,DC=CORP,DC=EXAMPLE\",\"domainsid\":\"{DOMAIN_SID}\",\"samaccountname\":\"user{i}\",\"enabled\":{enabled},\"sensitive\":{sensitive},\"unconstraineddelegation\":false,\"trustedtoauth\":{transition},\"serviceprincipalnames\":[{spns}],\"hasspn\":{service},\"allowedtodelegate\":[{delegate}],\"admincount\":false,\"description\":null,\"lastlogon\":0,\"pwdlastset\":1700000000,\"title\":null,\"email\":\"user{i}@corp.example\"}},\"AllowedToDelegate\":[],\"PrimaryGroupSID\":\"{}\",\"HasSIDHistory\":[],\"SPNTargets\":[],\"UnconstrainedDelegation\":false,\"DomainSID\":\"{DOMAIN_SID}\",",
                sid(513)
            )?;
            let extra = rng.chance(1).then(|| (self.random_user(rng), "WriteSPN"));
            aces(out, rid, None, extra)?;
            write!(
                out,
                ",\"ObjectIdentifier\":\"{}\",\"IsDeleted\":false,\"IsACLProtected\":false,\"ContainedBy\":null}}",
                sid(rid)
            )?;
            *count += 1;
        }
        Ok(())
    }

    fn computers(&self, out: &mut Counted, count: &mut u64, rng: &mut SplitMix) -> io::Result<()> {
        let helpdesk = self.first_group + WELL_KNOWN;
        for i in 0..self.p.computers {
            let rid = self.first_computer + i;
            if i > 0 {
                out.write_all(b",")?;
            }
            let dc = i < 2;
            let unconstrained = dc || rng.chance(1) && rng.chance(50);
            let delegates = !dc && rng.chance(1);
            let transition = delegates && rng.chance(50);
            let host = self.fqdn(rid);
            let short = format!("SRV{i}");
            let mut spns = format!("\"HOST/{short}\",\"HOST/{host}\",\"RestrictedKrbHost/{host}\"");
            if dc {
                spns.push_str(&format!(",\"ldap/{host}\",\"GC/{host}/corp.example\""));
            } else if i % 10 == 0 {
                if rng.chance(50) {
                    spns.push_str(&format!(",\"HTTP/{host}\""));
                } else {
                    spns.push_str(&format!(",\"MSSQLSvc/{host}:1433\""));
                }
            }
            let delegate = if delegates {
                format!("\"cifs/{}\"", self.fqdn(self.random_server(rng)))
            } else {
                String::new()
            };
            let act = if !dc && rng.chance(1) {
                let other =
                    self.first_computer + 2 + below(rng, self.p.computers.saturating_sub(2).max(1));
                format!(
                    "{{\"ObjectIdentifier\":\"{}\",\"ObjectType\":\"Computer\"}}",
                    sid(other)
                )
            } else {
                String::new()
            };
            let uac = if unconstrained { 528_384 } else { 4_096 };
            write!(
                out,
                "{{\"Properties\":{{\"domain\":\"{DOMAIN}\",\"name\":\"{}\",\"distinguishedname\":\"CN={short},OU=SERVERS,DC=CORP,DC=EXAMPLE\",\"domainsid\":\"{DOMAIN_SID}\",\"samaccountname\":\"{short}$\",\"enabled\":true,\"unconstraineddelegation\":{unconstrained},\"trustedtoauth\":{transition},\"serviceprincipalnames\":[{spns}],\"allowedtodelegate\":[{delegate}],\"operatingsystem\":\"Windows Server 2022 Standard\",\"haslaps\":true,\"isdc\":{dc},\"useraccountcontrol\":{uac}}},\"PrimaryGroupSID\":\"{}\",\"AllowedToDelegate\":[],\"AllowedToAct\":[{act}],\"HasSIDHistory\":[],\"DumpSMSAPassword\":[],\"Sessions\":{{\"Results\":[],\"Collected\":false,\"FailureReason\":null}},\"PrivilegedSessions\":{{\"Results\":[],\"Collected\":false,\"FailureReason\":null}},\"RegistrySessions\":{{\"Results\":[],\"Collected\":false,\"FailureReason\":null}},\"LocalGroups\":[],\"UserRights\":[],\"Status\":null,",
                host.to_ascii_uppercase(),
                sid(if dc { 516 } else { 515 })
            )?;
            let extra = rng
                .chance(1)
                .then(|| (self.random_user(rng), "AddAllowedToAct"));
            aces(out, rid, (i % 10 == 0).then_some(helpdesk), extra)?;
            write!(
                out,
                ",\"ObjectIdentifier\":\"{}\",\"IsDeleted\":false,\"IsACLProtected\":false,\"ContainedBy\":null,\"IsDC\":{dc},\"UnconstrainedDelegation\":{unconstrained},\"DomainSID\":\"{DOMAIN_SID}\",\"DCRegistryData\":{{\"CertificateMappingMethods\":null,\"StrongCertificateBindingEnforcement\":null}}}}",
                sid(rid)
            )?;
            *count += 1;
        }
        Ok(())
    }

    /// The groups: the well-known ones, then generated ones; every user is a member of two
    /// generated groups, and one user in two hundred of Protected Users.
    fn groups(&self, out: &mut Counted, count: &mut u64, rng: &mut SplitMix) -> io::Result<()> {
        let generated = self.p.groups - WELL_KNOWN;
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); usize_of(generated)];
        let mut protected = Vec::new();
        for i in 0..self.p.users {
            let user = self.first_user + i;
            for _ in 0..2 {
                members[usize_of(below(rng, generated))].push(user);
            }
            if rng.chance(1) && rng.chance(50) {
                protected.push(user);
            }
        }
        let mut first = true;
        for (rid, name) in WELL_KNOWN_GROUPS {
            let list: Vec<u32> = match rid {
                512 | 519 => vec![self.first_user],
                516 => vec![self.first_computer, self.first_computer + 1],
                525 => protected.clone(),
                _ => Vec::new(),
            };
            self.group(out, &mut first, *rid, name, &list)?;
            *count += 1;
        }
        for (g, list) in (0..generated).zip(members.iter_mut()) {
            let rid = self.first_group + WELL_KNOWN + g;
            if g > 0 && rng.chance(10) {
                list.push(self.first_group + WELL_KNOWN + below(rng, g));
            }
            self.group(out, &mut first, rid, &format!("GROUP{g}"), list)?;
            *count += 1;
        }
        Ok(())
    }

    fn group(
        &self,
        out: &mut Counted,
        first: &mut bool,
        rid: u32,
        name: &str,
        members: &[u32],
    ) -> io::Result<()> {
        if !*first {
            out.write_all(b",")?;
        }
        *first = false;
        write!(
            out,
            "{{\"Properties\":{{\"domain\":\"{DOMAIN}\",\"name\":\"{name}@{DOMAIN}\",\"domainsid\":\"{DOMAIN_SID}\",\"samaccountname\":\"{name}\",\"admincount\":false}},\"Members\":["
        )?;
        for (k, m) in members.iter().enumerate() {
            let kind = if (self.first_user..self.first_computer).contains(m) {
                "User"
            } else if (self.first_computer..self.first_group).contains(m) {
                "Computer"
            } else {
                "Group"
            };
            let comma = if k == 0 { "" } else { "," };
            write!(
                out,
                "{comma}{{\"ObjectIdentifier\":\"{}\",\"ObjectType\":\"{kind}\"}}",
                sid(*m)
            )?;
        }
        write!(
            out,
            "],\"HasSIDHistory\":[],\"Aces\":[{{\"PrincipalSID\":\"{}\",\"PrincipalType\":\"Group\",\"RightName\":\"GenericAll\",\"IsInherited\":true,\"InheritanceHash\":\"\"}}],\"ObjectIdentifier\":\"{}\",\"IsDeleted\":false,\"IsACLProtected\":false,\"ContainedBy\":null}}",
            sid(512),
            sid(rid)
        )
    }

    fn domain(&self, out: &mut Counted, count: &mut u64) -> io::Result<()> {
        write!(
            out,
            "{{\"Properties\":{{\"domain\":\"{DOMAIN}\",\"name\":\"{DOMAIN}\",\"distinguishedname\":\"DC=CORP,DC=EXAMPLE\",\"domainsid\":\"{DOMAIN_SID}\",\"functionallevel\":\"2016\",\"highvalue\":true,\"machineaccountquota\":10}},\"Trusts\":[],\"Aces\":[],\"Links\":[],\"ChildObjects\":[],\"GPOChanges\":{{\"AffectedComputers\":[],\"DcomUsers\":[],\"LocalAdmins\":[],\"PSRemoteUsers\":[],\"RemoteDesktopUsers\":[]}},\"ObjectIdentifier\":\"{DOMAIN_SID}\",\"IsDeleted\":false,\"IsACLProtected\":false,\"ContainedBy\":null}}"
        )?;
        *count += 1;
        Ok(())
    }
}

/// A number below `n` (0 when `n` is 0).
fn below(rng: &mut SplitMix, n: u32) -> u32 {
    // Lossless: the remainder is below `n`, a u32.
    (rng.next_u64() % u64::from(n.max(1))) as u32
}
