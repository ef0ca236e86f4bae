//! Typed identifiers: a `ChatId` can never be passed where a `UserId` is expected.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A conversation (one visitor session).
    ChatId
);
id_type!(
    /// An agent, supervisor or admin.
    UserId
);
id_type!(
    /// A chat website (entry point), R57.
    WebsiteId
);
id_type!(
    /// A queue (agent group), R67.
    QueueId
);
id_type!(
    /// A predefined message a supervisor set up for agents, R41, R68.
    PredefinedMessageId
);
id_type!(
    /// An away (idle) reason an agent can give with its presence, R24, R69.
    AwayReasonId
);
id_type!(
    /// A wrap-up reason an agent gives after a chat, R50.
    WrapUpReasonId
);
id_type!(
    /// The position of an event in its chat: 1, 2, 3… with no gaps.
    Seq
);

impl Seq {
    pub const NONE: Seq = Seq(0);

    pub fn next(self) -> Seq {
        Seq(self.0 + 1)
    }
}
