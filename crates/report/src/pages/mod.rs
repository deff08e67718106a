//! One page per kind of result.

pub(crate) mod replay;
pub(crate) mod rollout;
pub(crate) mod tune;
pub(crate) mod verdict;
