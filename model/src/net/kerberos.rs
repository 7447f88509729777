//! Kerberos as the model plays it: TGTs and service tickets with the flags delegation turns
//! on (forwardable, forwarded, OK-AS-DELEGATE), the PAC's view of a sensitive user, and the
//! KDC's decisions for S4U2self and S4U2proxy, classic and resource-based (AD-*, KRB-*,
//! S4U-*).

use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};

use super::directory::{AccountId, Directory, SERVER_2012_R2, SpnMatch};
use crate::core::decision::Trail;
use crate::rules::RuleId;
use crate::rules::readings::Readings;

/// How a ticket came to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Origin {
    /// The user's own AS exchange (a TGT).
    As,
    /// A TGS exchange with a TGT (the user's own, or forwarded).
    Tgs,
    /// S4U2self: a service asked for a ticket to itself in the user's name.
    S4u2self,
    /// S4U2proxy: a service asked for a ticket to a back end in the user's name.
    S4u2proxy,
}

/// A Kerberos ticket, as much of it as delegation looks at.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Ticket {
    /// The client (cname).
    pub client: AccountId,
    /// The account the ticket is for (the service's), or `None` for a TGT.
    pub server: Option<AccountId>,
    /// FORWARDABLE.
    pub forwardable: bool,
    /// FORWARDED.
    pub forwarded: bool,
    /// OK-AS-DELEGATE.
    pub ok_as_delegate: bool,
    /// USER_NOT_DELEGATED in the PAC's UserAccountControl (AD-2).
    pub pac_not_delegated: bool,
    /// How it was issued.
    pub origin: Origin,
    /// Whether someone changed its flags after the KDC issued it (ATK-1).
    pub tampered: bool,
    /// The services S4U2proxy went through (the PAC's S4U_DELEGATION_INFO).
    pub transited: Vec<AccountId>,
}

/// Why the KDC (or the Kerberos client) refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KdcError {
    /// No account has the SPN.
    PrincipalUnknown,
    /// No trust path between the realms.
    NoTrust,
    /// KRB-ERR-BADOPTION with the NTSTATUS the KDC gives.
    BadOption(&'static str),
    /// KRB-AP-ERR-MODIFIED: the ticket's signature does not match its contents.
    Modified,
    /// The S4U client refused before sending (S4U-3).
    ClientRefused,
}

impl KdcError {
    /// The symbol a trace reports.
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            KdcError::PrincipalUnknown => "KDC_ERR_S_PRINCIPAL_UNKNOWN",
            KdcError::NoTrust => "KDC_ERR_WRONG_REALM",
            KdcError::BadOption(status) => status,
            KdcError::Modified => "KRB_AP_ERR_MODIFIED",
            KdcError::ClientRefused => "SEC_E_NO_CREDENTIALS",
        }
    }
}

/// Whether `user` is sensitive, without narrating why (see [`sensitive`]).
#[must_use]
pub fn is_sensitive(dir: &Directory, readings: &Readings, user: AccountId) -> bool {
    let a = dir.account(user);
    let domain = dir.domain(a.domain);
    a.not_delegated
        || (protected_member(dir, readings, user)
            && domain.functional_level >= SERVER_2012_R2
            && domain.kdc >= SERVER_2012_R2)
}

/// Whether `user` is a Protected Users member the group protects: every member but the
/// built-in Administrator, if the selected reading of OQD-6 exempts it (AD-7).
#[must_use]
pub fn protected_member(dir: &Directory, readings: &Readings, user: AccountId) -> bool {
    let a = dir.account(user);
    a.protected_users && (a.rid != 500 || readings.alternative(RuleId::OQD_6))
}

/// Whether `user` is sensitive: NOT_DELEGATED, or a Protected Users member where the
/// domain supports it, the built-in Administrator excepted (AD-5, AD-6, AD-7).
pub fn sensitive(dir: &Directory, readings: &Readings, user: AccountId, trail: &mut Trail) -> bool {
    let a = dir.account(user);
    let name = dir.qualified_lazily(user);
    if a.not_delegated {
        trail.note(RuleId::AD_5, || {
            format!("{name} is marked \"Account is sensitive and cannot be delegated\"")
        });
        return true;
    }
    if a.protected_users {
        let domain = dir.domain(a.domain);
        if a.rid == 500 {
            if readings.alternative(RuleId::OQD_6) {
                trail.note(RuleId::OQD_6, || {
                    format!("{name} is the built-in Administrator (RID 500); under the selected reading (protected) the group protects it like any member")
                });
            } else {
                trail.note(RuleId::AD_7, || {
                    format!("{name} is the built-in Administrator (RID 500): Protected Users membership does not protect it")
                });
                trail.note(RuleId::OQD_6, || {
                    "Microsoft documents only its exemption from authentication policies; the selected reading (exempt) follows the research that found it exempt from delegation protection too".to_owned()
                });
                return false;
            }
        }
        if domain.functional_level >= SERVER_2012_R2 && domain.kdc >= SERVER_2012_R2 {
            trail.note(RuleId::AD_6, || {
                format!("{name} is in Protected Users, which the domain's level and KDCs support: the KDC treats it as sensitive")
            });
            return true;
        }
        trail.note(RuleId::AD_6, || {
            format!("{name} is in Protected Users, but the domain's level or KDCs predate 2012 R2: no effect")
        });
    }
    false
}

/// The TGT `user` gets with its password (AS exchange): forwardable unless sensitive
/// (AD-5, AD-13).
pub fn tgt(dir: &Directory, readings: &Readings, user: AccountId, trail: &mut Trail) -> Ticket {
    let forwardable = !sensitive(dir, readings, user, trail);
    trail.note(RuleId::AD_13, || {
        format!(
            "{}'s TGT is {}forwardable",
            dir.qualified(user),
            if forwardable { "" } else { "not " }
        )
    });
    Ticket {
        client: user,
        server: None,
        forwardable,
        forwarded: false,
        ok_as_delegate: false,
        pac_not_delegated: dir.account(user).not_delegated,
        origin: Origin::As,
        tampered: false,
        transited: Vec::new(),
    }
}

/// A forwarded TGT made from `tgt` (KRB-1), if the TGT is forwardable.
#[must_use]
pub fn forwarded(tgt: &Ticket) -> Option<Ticket> {
    tgt.forwardable.then(|| Ticket {
        forwarded: true,
        ..tgt.clone()
    })
}

/// The account the KDC finds for `spn`: the one holding it, or the one holding the `host`
/// SPN it is an alias of, which the trail notes (AD-14).
fn server_account(dir: &Directory, spn: &str, trail: &mut Trail) -> Option<AccountId> {
    let (account, how) = dir.resolve_spn(spn)?;
    if how == SpnMatch::HostAlias {
        trail.note(RuleId::AD_14, || {
            format!(
                "no account holds {spn}; its service class is an alias of host (sPNMappings), so the KDC finds {} by its HOST SPN",
                dir.qualified(account)
            )
        });
    }
    Some(account)
}

/// The service ticket `tgt`'s client gets for `spn` (TGS exchange): forwardable as the TGT
/// is, FORWARDED if the TGT was, OK-AS-DELEGATE for a trusted server's account, across a
/// trust only as KRB-8 allows (AD-3, KRB-1, KRB-8).
pub fn service_ticket(
    dir: &Directory,
    tgt: &Ticket,
    spn: &str,
    trail: &mut Trail,
) -> Result<Ticket, KdcError> {
    let Some(server) = server_account(dir, spn, trail) else {
        trail.note(RuleId::AD_3, || {
            format!("no account has SPN {spn}: KDC_ERR_S_PRINCIPAL_UNKNOWN")
        });
        return Err(KdcError::PrincipalUnknown);
    };
    let client_domain = dir.account(tgt.client).domain;
    let server_domain = dir.account(server).domain;
    if !dir.kerberos_path(client_domain, server_domain) {
        trail.note(RuleId::KRB_8, || {
            format!(
                "no trust joins {} and {}: no referral, no ticket",
                dir.domain(client_domain).name,
                dir.domain(server_domain).name
            )
        });
        return Err(KdcError::NoTrust);
    }
    let mut ok_as_delegate = dir.account(server).trusted_for_delegation;
    if ok_as_delegate {
        trail.note(RuleId::AD_3, || {
            format!(
                "{} is trusted for delegation, so the ticket to {spn} carries OK-AS-DELEGATE",
                dir.qualified(server)
            )
        });
    }
    if client_domain != server_domain
        && let Some(trust) = dir.trust(client_domain, server_domain)
    {
        let enable =
            trust.kind == super::directory::TrustKind::WithinForest || trust.enable_tgt_delegation;
        let allowed = enable && !trust.quarantined;
        if ok_as_delegate && !allowed {
            ok_as_delegate = false;
        }
        trail.note(RuleId::KRB_8, || {
            format!(
                "the ticket crosses the trust between {} and {}, which {} OK-AS-DELEGATE",
                dir.domain(client_domain).name,
                dir.domain(server_domain).name,
                if allowed { "keeps" } else { "drops" }
            )
        });
    }
    if tgt.forwarded {
        trail.note(RuleId::KRB_1, || {
            "the ticket comes from a forwarded TGT, so it is FORWARDED too".to_owned()
        });
    }
    Ok(Ticket {
        client: tgt.client,
        server: Some(server),
        forwardable: tgt.forwardable,
        forwarded: tgt.forwarded,
        ok_as_delegate,
        pac_not_delegated: tgt.pac_not_delegated,
        origin: Origin::Tgs,
        tampered: false,
        transited: tgt.transited.clone(),
    })
}

/// S4U2self: `service` asks for a ticket to itself in `user`'s name (S4U-1, S4U-2, AD-8,
/// AD-12, OQD-1).
pub fn s4u2self(
    dir: &Directory,
    readings: &Readings,
    service: AccountId,
    user: AccountId,
    trail: &mut Trail,
) -> Result<Ticket, KdcError> {
    let svc = dir.account(service);
    let who = dir.qualified_lazily(user);
    let (user_domain, service_domain) = (dir.account(user).domain, svc.domain);
    if !dir.kerberos_path(service_domain, user_domain) {
        trail.note(RuleId::KRB_8, || {
            format!(
                "no trust joins {} to {}, {who}'s realm: no referral, no S4U2self",
                dir.domain(service_domain).name,
                dir.domain(user_domain).name
            )
        });
        return Err(KdcError::NoTrust);
    }
    trail.note(RuleId::S4U_1, || {
        format!(
            "{} runs S4U2self for {who}: the KDC needs no delegation setting for it",
            dir.qualified(service)
        )
    });
    let forwardable = if sensitive(dir, readings, user, trail) {
        trail.note(RuleId::AD_13, || {
            format!("{who} is sensitive, which overrides the service's delegation settings")
        });
        trail.note(RuleId::S4U_2, || {
            format!("{who} is sensitive: the S4U2self ticket is not forwardable")
        });
        false
    } else if svc.trusted_to_auth_for_delegation {
        trail.note(RuleId::AD_8, || {
            format!(
                "{} is trusted to authenticate for delegation (protocol transition)",
                dir.qualified(service)
            )
        });
        trail.note(RuleId::S4U_2, || {
            "so the S4U2self ticket is forwardable".to_owned()
        });
        if !svc.allowed_to_delegate_to.is_empty() {
            trail.note(RuleId::ATK_4, || {
                format!(
                    "with protocol transition and msDS-AllowedToDelegateTo, {} can act as any user who is not sensitive, {who} included, towards {}, without that user's password",
                    dir.qualified(service),
                    svc.allowed_to_delegate_to.join(", ")
                )
            });
        }
        true
    } else if !svc.allowed_to_delegate_to.is_empty() {
        trail.note(RuleId::S4U_2, || {
            "the service has msDS-AllowedToDelegateTo without protocol transition: the S4U2self ticket is not forwardable".to_owned()
        });
        false
    } else {
        let forwardable = readings.alternative(RuleId::OQD_1);
        trail.note(RuleId::OQD_1, || {
            format!(
                "the service has no delegation setting at all, a case [MS-SFU] leaves open; under the selected reading ({}) the ticket is {}forwardable",
                if forwardable { "forwardable" } else { "not-forwardable" },
                if forwardable { "" } else { "not " }
            )
        });
        forwardable
    };
    if dir.domain(svc.domain).kdc >= 2012 {
        trail.note(RuleId::AD_12, || {
            "the ticket's PAC carries SERVICE_ASSERTED_IDENTITY (S-1-18-2): the service, not an authority, vouched for the user".to_owned()
        });
    }
    let forwardable = if forwardable && user_domain != service_domain {
        let lost = readings.alternative(RuleId::OQD_11);
        trail.note(RuleId::OQD_11, || {
            format!(
                "{who} is of another realm, so the ticket comes through referrals, whose effect on FORWARDABLE [MS-SFU] does not state; under the selected reading ({}) it is {}forwardable",
                if lost { "lost" } else { "kept" },
                if lost { "not " } else { "" }
            )
        });
        !lost
    } else {
        forwardable
    };
    Ok(Ticket {
        client: user,
        server: Some(service),
        forwardable,
        forwarded: false,
        ok_as_delegate: false,
        pac_not_delegated: dir.account(user).not_delegated,
        origin: Origin::S4u2self,
        tampered: false,
        transited: Vec::new(),
    })
}

/// S4U2proxy: `service` presents `evidence` (a ticket to itself in a user's name) and asks
/// for a ticket to `spn` (S4U-3..10, KRB-7, AD-9, AD-10, OQD-2).
pub fn s4u2proxy(
    dir: &Directory,
    readings: &Readings,
    service: AccountId,
    evidence: &Ticket,
    spn: &str,
    trail: &mut Trail,
) -> Result<Ticket, KdcError> {
    let request = ProxyRequest {
        dir,
        readings,
        service,
        evidence,
    };
    request.client_sends(trail)?;
    request.kdc_decides(spn, trail)
}

/// S4U2proxy sent by a tool holding `service`'s key (ATK-12): the same KDC decision as
/// [`s4u2proxy`], without the Windows S4U client's refusal (S4U-3), which the tool does not
/// make.
pub fn s4u2proxy_from_tool(
    dir: &Directory,
    readings: &Readings,
    service: AccountId,
    evidence: &Ticket,
    spn: &str,
    trail: &mut Trail,
) -> Result<Ticket, KdcError> {
    let request = ProxyRequest {
        dir,
        readings,
        service,
        evidence,
    };
    request.tool_sends(trail);
    request.kdc_decides(spn, trail)
}

impl ProxyRequest<'_> {
    /// ATK-12: a tool sends the evidence it holds, whatever a Windows client would refuse.
    fn tool_sends(&self, trail: &mut Trail) {
        let (dir, evidence) = (self.dir, self.evidence);
        if evidence.forwardable {
            return;
        }
        let windows_refuses = evidence.origin != Origin::S4u2self || evidence.pac_not_delegated;
        trail.note(RuleId::ATK_12, || {
            format!(
                "the evidence for {} is not forwardable; {}, and the KDC decides",
                dir.qualified(evidence.client),
                if windows_refuses {
                    "a Windows S4U client would refuse to send it (S4U-3), the tool sends it anyway"
                } else {
                    "the tool sends it, as a Windows S4U client would for an S4U2self ticket its PAC leaves delegable"
                }
            )
        });
    }

    /// What the KDC answers an S4U2proxy request for `spn` that reached it (S4U-4..10,
    /// KRB-7, AD-9, AD-10, OQD-2, ATK-1).
    fn kdc_decides(&self, spn: &str, trail: &mut Trail) -> Result<Ticket, KdcError> {
        self.signatures_hold(trail)?;
        let Some(target) = server_account(self.dir, spn, trail) else {
            trail.note(RuleId::S4U_4, || {
                format!("no account has SPN {spn}: KDC_ERR_S_PRINCIPAL_UNKNOWN")
            });
            return Err(KdcError::PrincipalUnknown);
        };
        match self.classic(target, spn, trail) {
            ControlFlow::Break(result) => result,
            ControlFlow::Continue(refusal) => self.resource_based(target, refusal, trail),
        }
    }
}

/// One S4U2proxy request: `service` presents `evidence` to the KDC.
struct ProxyRequest<'a> {
    dir: &'a Directory,
    readings: &'a Readings,
    service: AccountId,
    evidence: &'a Ticket,
}

impl ProxyRequest<'_> {
    /// S4U-11, AD-2, S4U-3: the S4U client sends only evidence that is forwardable, or an
    /// S4U2self ticket of a user its PAC leaves delegable.
    fn client_sends(&self, trail: &mut Trail) -> Result<(), KdcError> {
        let (dir, evidence) = (self.dir, self.evidence);
        if evidence.origin == Origin::S4u2proxy {
            trail.note(RuleId::S4U_11, || {
                format!(
                    "the evidence is itself an S4U2proxy ticket: this further hop needs {}'s own delegation settings",
                    dir.qualified(self.service)
                )
            });
        }
        let client_accepts = evidence.forwardable
            || (evidence.origin == Origin::S4u2self && !evidence.pac_not_delegated);
        if !evidence.forwardable && evidence.origin == Origin::S4u2self {
            trail.note(RuleId::AD_2, || {
                format!(
                    "the S4U client reads the evidence's PAC: its UserAccountControl {} USER_NOT_DELEGATED (0x4000)",
                    if evidence.pac_not_delegated { "has" } else { "lacks" }
                )
            });
        }
        if client_accepts {
            return Ok(());
        }
        let user = dir.qualified_lazily(evidence.client);
        trail.note(RuleId::S4U_3, || {
            format!("the evidence for {user} is not forwardable and not an S4U2self ticket of a user the PAC leaves delegable: the S4U client refuses before sending")
        });
        Err(KdcError::ClientRefused)
    }

    /// S4U-9, ATK-1: evidence whose flags were changed after issue is refused by a KDC that
    /// checks ticket signatures, and accepted by one that does not (the Bronze Bit).
    fn signatures_hold(&self, trail: &mut Trail) -> Result<(), KdcError> {
        if !self.evidence.tampered {
            return Ok(());
        }
        let service_domain = self.dir.domain(self.dir.account(self.service).domain);
        if service_domain.ticket_signatures {
            trail.note(RuleId::S4U_9, || {
                "the evidence's flags were changed after issue and the KDC checks ticket signatures (the Bronze Bit fix): KRB_AP_ERR_MODIFIED".to_owned()
            });
            return Err(KdcError::Modified);
        }
        trail.note(RuleId::S4U_9, || {
            "the evidence's flags were changed after issue, and this KDC checks only the PAC's signatures, which do not cover them".to_owned()
        });
        trail.note(RuleId::ATK_1, || {
            "the Bronze Bit: the tampered FORWARDABLE flag is accepted".to_owned()
        });
        Ok(())
    }

    /// Path A, classic constrained delegation (KRB-7, AD-9, S4U-4, S4U-6, OQD-2): decides
    /// ([`ControlFlow::Break`]), or leaves it to resource-based delegation with the refusal
    /// the classic path would give.
    fn classic(
        &self,
        target: AccountId,
        spn: &str,
        trail: &mut Trail,
    ) -> ControlFlow<Result<Ticket, KdcError>, KdcError> {
        let (dir, service) = (self.dir, self.service);
        let svc = dir.account(service);
        let same_domain = svc.domain == dir.account(target).domain;
        let listed = svc
            .allowed_to_delegate_to
            .iter()
            .any(|s| s.eq_ignore_ascii_case(spn));
        let refusal = if svc.allowed_to_delegate_to.is_empty() {
            KdcError::BadOption("STATUS_NOT_SUPPORTED")
        } else {
            KdcError::BadOption("STATUS_NO_MATCH")
        };
        if listed && !same_domain {
            trail.note(RuleId::KRB_7, || {
                format!("{spn} is in msDS-AllowedToDelegateTo, but classic constrained delegation works only inside one domain")
            });
        } else if listed {
            trail.note(RuleId::AD_9, || {
                format!(
                    "{spn} is in {}'s msDS-AllowedToDelegateTo",
                    dir.qualified(service)
                )
            });
            return self.classic_listed(target, trail);
        } else if !svc.allowed_to_delegate_to.is_empty() {
            trail.note(RuleId::S4U_4, || {
                format!(
                    "{spn} is not in {}'s msDS-AllowedToDelegateTo",
                    dir.qualified(service)
                )
            });
        }
        ControlFlow::Continue(refusal)
    }

    /// S4U-4, S4U-6, OQD-2: the classic path for an SPN the service lists: granted for
    /// forwardable evidence; otherwise refused, or left to resource-based delegation, as the
    /// selected reading says.
    fn classic_listed(
        &self,
        target: AccountId,
        trail: &mut Trail,
    ) -> ControlFlow<Result<Ticket, KdcError>, KdcError> {
        let evidence = self.evidence;
        if evidence.forwardable {
            trail.note(RuleId::S4U_4, || {
                "the evidence is forwardable: the KDC grants the classic path".to_owned()
            });
            return ControlFlow::Break(Ok(self.ticket_to(target, trail)));
        }
        let user = self.dir.qualified_lazily(evidence.client);
        trail.note(RuleId::S4U_6, || {
            format!("the evidence for {user} is not forwardable, which classic constrained delegation needs")
        });
        if self.readings.alternative(RuleId::OQD_2) {
            trail.note(RuleId::OQD_2, || {
                "under the selected reading (a2d2-first) the listed SPN is decided by the classic path: KRB-ERR-BADOPTION, STATUS_NO_MATCH".to_owned()
            });
            return ControlFlow::Break(Err(KdcError::BadOption("STATUS_NO_MATCH")));
        }
        trail.note(RuleId::OQD_2, || {
            "under the selected reading (sensitive-only) a listed SPN does not stop the KDC from trying RBCD".to_owned()
        });
        ControlFlow::Continue(KdcError::BadOption("STATUS_NO_MATCH"))
    }

    /// Path B, resource-based constrained delegation (AD-10, KRB-7, S4U-5, S4U-7, S4U-8):
    /// `refusal` is what the KDC answers when the target admits no RBCD at all.
    fn resource_based(
        &self,
        target: AccountId,
        refusal: KdcError,
        trail: &mut Trail,
    ) -> Result<Ticket, KdcError> {
        self.rbcd_admits(target, refusal, trail)?;
        self.rbcd_across_domains(target, trail)?;
        if !self.evidence.forwardable {
            self.rbcd_takes_evidence(target, trail)?;
        }
        trail.note(RuleId::S4U_5, || "the KDC grants the RBCD path".to_owned());
        Ok(self.ticket_to(target, trail))
    }

    /// AD-10, S4U-5: the target's msDS-AllowedToActOnBehalfOfOtherIdentity admits the
    /// service, and its domain's KDCs know resource-based delegation.
    fn rbcd_admits(
        &self,
        target: AccountId,
        refusal: KdcError,
        trail: &mut Trail,
    ) -> Result<(), KdcError> {
        let (dir, service) = (self.dir, self.service);
        let target_account = dir.account(target);
        let has_list = dir.allowed_to_act(target).next().is_some();
        if has_list && dir.domain(target_account.domain).kdc < 2012 {
            trail.note(RuleId::AD_10, || {
                format!(
                    "{} has msDS-AllowedToActOnBehalfOfOtherIdentity, but its domain's KDCs ({}) predate resource-based delegation: {}",
                    dir.qualified(target),
                    super::directory::version_name(dir.domain(target_account.domain).kdc),
                    refusal.symbol()
                )
            });
            trail.note(RuleId::S4U_5, || {
                "the KDC does not try the RBCD path".to_owned()
            });
            return Err(refusal);
        }
        if !has_list {
            trail.note(RuleId::S4U_5, || {
                format!(
                    "{} has no msDS-AllowedToActOnBehalfOfOtherIdentity: {}",
                    dir.qualified(target),
                    refusal.symbol()
                )
            });
            return Err(refusal);
        }
        let allowed = dir
            .allowed_to_act(target)
            .any(|p| dir.is_member(service, p));
        if !allowed {
            trail.note(RuleId::AD_10, || {
                format!(
                    "{}'s RBCD list does not admit {}",
                    dir.qualified(target),
                    dir.qualified(service)
                )
            });
            trail.note(RuleId::S4U_5, || {
                "the RBCD check denies: KRB-ERR-BADOPTION, STATUS_NOT_FOUND".to_owned()
            });
            return Err(KdcError::BadOption("STATUS_NOT_FOUND"));
        }
        trail.note(RuleId::AD_10, || {
            format!(
                "{}'s RBCD list admits {}",
                dir.qualified(target),
                dir.qualified(service)
            )
        });
        Ok(())
    }

    /// KRB-7: resource-based delegation crosses domains, where the KDCs of both support
    /// S4U2proxy referrals.
    fn rbcd_across_domains(&self, target: AccountId, trail: &mut Trail) -> Result<(), KdcError> {
        let dir = self.dir;
        let service_domain = dir.account(self.service).domain;
        let target_domain = dir.account(target).domain;
        if service_domain == target_domain {
            return Ok(());
        }
        let oldest = dir
            .domain(service_domain)
            .kdc
            .min(dir.domain(target_domain).kdc);
        if oldest < 2012 {
            trail.note(RuleId::KRB_7, || {
                format!(
                    "resource-based delegation crosses domains by S4U2proxy referrals, which KDCs of {} do not support",
                    super::directory::version_name(oldest)
                )
            });
            return Err(KdcError::BadOption("STATUS_NOT_SUPPORTED"));
        }
        trail.note(RuleId::KRB_7, || {
            "resource-based delegation, unlike the classic kind, crosses domains".to_owned()
        });
        Ok(())
    }

    /// S4U-7, S4U-8, AD-12, ATK-6: RBCD takes non-forwardable evidence, but for a sensitive
    /// user a KDC with the CVE-2020-16996 fix refuses it.
    fn rbcd_takes_evidence(&self, target: AccountId, trail: &mut Trail) -> Result<(), KdcError> {
        let (dir, readings, client) = (self.dir, self.readings, self.evidence.client);
        let user = dir.qualified_lazily(client);
        if !is_sensitive(dir, readings, client) {
            trail.note(RuleId::S4U_7, || {
                format!("the evidence is a non-forwardable S4U2self ticket for {user}, who is not sensitive: RBCD accepts it")
            });
            trail.note(RuleId::AD_12, || {
                "RBCD always allows protocol transition".to_owned()
            });
            return Ok(());
        }
        sensitive(dir, readings, client, trail);
        if dir
            .domain(dir.account(target).domain)
            .rbcd_sensitive_enforced
        {
            trail.note(RuleId::S4U_8, || {
                format!("{user} is sensitive and the KDC enforces the CVE-2020-16996 fix: KRB-ERR-BADOPTION, STATUS_ACCOUNT_RESTRICTION")
            });
            return Err(KdcError::BadOption("STATUS_ACCOUNT_RESTRICTION"));
        }
        trail.note(RuleId::S4U_8, || {
            format!("{user} is sensitive, but this KDC predates the CVE-2020-16996 enforcement and issues the ticket")
        });
        trail.note(RuleId::ATK_6, || {
            "the Protected Users bypass over RBCD".to_owned()
        });
        Ok(())
    }

    /// The ticket to `target` the KDC issues (S4U-10).
    fn ticket_to(&self, target: AccountId, trail: &mut Trail) -> Ticket {
        proxy_ticket(
            self.dir,
            self.readings,
            self.service,
            target,
            self.evidence,
            trail,
        )
    }
}

/// The ticket S4U2proxy issues (S4U-10).
fn proxy_ticket(
    dir: &Directory,
    readings: &Readings,
    service: AccountId,
    target: AccountId,
    evidence: &Ticket,
    trail: &mut Trail,
) -> Ticket {
    let mut transited = evidence.transited.clone();
    transited.push(service);
    let forwardable = !is_sensitive(dir, readings, evidence.client);
    trail.note(RuleId::S4U_10, || {
        format!(
            "the new ticket is in {}'s name, to {}, {}, and records {} in S4U_DELEGATION_INFO",
            dir.qualified(evidence.client),
            dir.qualified(target),
            if forwardable {
                "forwardable"
            } else {
                "not forwardable (the user is sensitive)"
            },
            transited
                .iter()
                .map(|a| dir.qualified(*a))
                .collect::<Vec<_>>()
                .join(", then ")
        )
    });
    trail.note(RuleId::S4U_13, || {
        format!(
            "{} neither asked for this nor can see it; a back end learns of it only from S4U_DELEGATION_INFO",
            dir.qualified(evidence.client)
        )
    });
    Ticket {
        client: evidence.client,
        server: Some(target),
        forwardable,
        forwarded: false,
        ok_as_delegate: dir.account(target).trusted_for_delegation,
        pac_not_delegated: evidence.pac_not_delegated,
        origin: Origin::S4u2proxy,
        tampered: false,
        transited,
    }
}
