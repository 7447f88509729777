//! Making tokens from tokens: duplicates (DuplicateTokenEx, ImpersonateSelf, the
//! downgrade copy of IMP-2, copy-on-open), and the security a new token object gets.

use crate::core::decision::Trail;
use crate::core::level::{ImpersonationLevel, TokenType};
use crate::machine::acl::SecurityDescriptor;
use crate::machine::ids::TokenId;
use crate::machine::privilege::Privilege;
use crate::machine::table::TableFull;
use crate::machine::token::Token;
use crate::machine::world::World;
use crate::rules::RuleId;

/// What a duplicate should be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DuplicateSpec {
    /// Primary or impersonation.
    pub token_type: TokenType,
    /// The level stored in the duplicate.
    pub level: ImpersonationLevel,
    /// Whether disabled groups and privileges are dropped (TOK-20).
    pub effective_only: bool,
}

/// Duplicates `source` as the kernel does for its own copies: a new token object with a
/// new TokenId, the same logon session, parent and security descriptor.
///
/// # Errors
///
/// [`TableFull`] when the token table has no room (RES-1).
pub fn duplicate(
    world: &mut World,
    source: TokenId,
    spec: DuplicateSpec,
) -> Result<TokenId, TableFull> {
    let mut token = world.token(source).clone();
    token.token_id = world.new_luid();
    token.modified_id = world.new_luid();
    token.token_type = spec.token_type;
    token.level = spec.level;
    if spec.effective_only {
        token.privileges.keep_enabled_only();
        token
            .groups
            .retain(|g| g.attrs.enabled() || g.attrs.deny_only());
    }
    world.add_token(token)
}

/// Duplicates `source` on behalf of a caller whose effective token is `creator`: as
/// [`duplicate`], but the new token object's security comes from the creator's default
/// owner and default DACL (DEF-2).
///
/// # Errors
///
/// [`TableFull`] when the token table has no room (RES-1).
pub fn duplicate_for(
    world: &mut World,
    source: TokenId,
    spec: DuplicateSpec,
    creator: TokenId,
) -> Result<TokenId, TableFull> {
    let sd = default_security(world, creator);
    let id = duplicate(world, source, spec)?;
    world.token_mut(id).sd = sd;
    Ok(id)
}

/// Whether `token` is elevated (TOK-14), noting OQL-16 when its answer depends on that
/// question's reading.
pub fn is_elevated(world: &World, token: &Token, trail: &mut Trail) -> bool {
    let delegate_elevates = !world.settings.readings.alternative(RuleId::OQL_16);
    if token
        .privileges
        .has(Privilege::DelegateSessionUserImpersonate)
    {
        trail.note(RuleId::OQL_16, || {
            format!(
                "the token holds SeDelegateSessionUserImpersonatePrivilege, which the selected reading counts as {}",
                if delegate_elevates { "elevating" } else { "not elevating" }
            )
        });
    }
    token.is_elevated(&world.principals, delegate_elevates)
}

/// The security descriptor a new object gets when its creator acts with `creator` and
/// supplies none: the creator's default owner and default DACL (DEF-1, DEF-2).
#[must_use]
pub fn default_security(world: &World, creator: TokenId) -> SecurityDescriptor {
    let creator = world.token(creator);
    SecurityDescriptor::new(creator.default_owner, creator.default_dacl.clone())
}
