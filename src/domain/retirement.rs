//! R57, R67: when a website or a queue may be deleted. Deleting removes its row; chats, routing
//! steps and offline messages keep pointing at it (the chat log is kept, R81, R86), so anything
//! that still uses it, or any history it has, refuses the deletion with a text that says why.

/// What uses a queue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueUsage {
    /// The keys of the websites whose target queue it is.
    pub websites: Vec<String>,
    /// Chats waiting in it or active from it.
    pub open_chats: i64,
    /// Ended chats and routing steps that name it.
    pub history: i64,
}

impl QueueUsage {
    /// R67: why the queue cannot be deleted; `None` when it can.
    pub fn refusal(&self) -> Option<String> {
        if !self.websites.is_empty() {
            return Some(format!(
                "the queue is the target queue of website(s) {}; give them another queue first",
                self.websites.join(", ")
            ));
        }
        if self.open_chats > 0 {
            return Some(format!(
                "{} chat(s) are waiting in or active from this queue",
                self.open_chats
            ));
        }
        (self.history > 0)
            .then(|| "the queue has chat history, which is kept for the chat logs".to_owned())
    }
}

/// What uses a website.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebsiteUsage {
    /// Chats of the website that have not ended.
    pub open_chats: i64,
    /// Its ended chats and offline messages.
    pub history: i64,
}

impl WebsiteUsage {
    /// R57: why the website cannot be deleted; `None` when it can.
    pub fn refusal(&self) -> Option<String> {
        if self.open_chats > 0 {
            return Some(format!(
                "{} chat(s) of this website are open",
                self.open_chats
            ));
        }
        (self.history > 0).then(|| {
            "the website has chats or offline messages, which are kept for review".to_owned()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unused_queue_may_be_deleted() {
        assert_eq!(QueueUsage::default().refusal(), None);
    }

    #[test]
    fn a_queue_that_a_website_targets_or_chats_use_may_not() {
        let targeted = QueueUsage {
            websites: vec!["shop".into()],
            ..QueueUsage::default()
        };
        assert!(targeted.refusal().unwrap().contains("shop"));
        let waiting = QueueUsage {
            open_chats: 2,
            ..QueueUsage::default()
        };
        assert!(waiting.refusal().is_some());
        let history = QueueUsage {
            history: 1,
            ..QueueUsage::default()
        };
        assert!(history.refusal().is_some());
    }

    #[test]
    fn a_website_with_open_chats_or_history_may_not_be_deleted() {
        assert_eq!(WebsiteUsage::default().refusal(), None);
        let open = WebsiteUsage {
            open_chats: 1,
            history: 0,
        };
        assert!(open.refusal().unwrap().contains("open"));
        let history = WebsiteUsage {
            open_chats: 0,
            history: 3,
        };
        assert!(history.refusal().is_some());
    }
}
