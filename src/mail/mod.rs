//! Outgoing mail. Filled in below.
