//! `WorkingHoursSupervisor`: one per engine. It opens and closes every website at the
//! boundaries of its working intervals (R58, A17) and tells the website at once, so its widget
//! mode changes at that moment (R5) and open widgets hear of it.
//!
//! One actor owns every website's timer, rather than each `WebsiteActor` its own: the website
//! actor stays about visitors and chats, a change of a website's hours at run time has one
//! place to go, and tests can hand it a timetable with millisecond boundaries. Each website has
//! exactly one timer, set to the next change its timetable names and set again when it fires:
//! nothing polls. A queue's opening hours (R29) are its own `QueueActor`'s timer, since the
//! queue reports `open` with its staffing.

use std::collections::HashMap;
use std::time::Duration;

use actix::prelude::*;

use super::website::WorkingHoursChanged;
use crate::clock::now_ms;
use crate::domain::schedule::Timetable;
use crate::domain::website::WebsiteKey;

#[derive(Default)]
pub struct WorkingHoursSupervisor {
    websites: HashMap<WebsiteKey, Watched>,
}

struct Watched {
    hours: Box<dyn Timetable>,
    /// What the website was last told.
    open: bool,
    website: Recipient<WorkingHoursChanged>,
    timer: Option<SpawnHandle>,
}

impl WorkingHoursSupervisor {
    /// Reads the website's state now, tells it if that changed (or `always` tells), and sets
    /// its one timer to the next change. A timer that fires a little early finds no change
    /// and is simply set again for the rest.
    fn check(&mut self, key: &WebsiteKey, always: bool, ctx: &mut Context<Self>) {
        let Some(watched) = self.websites.get_mut(key) else {
            return;
        };
        if let Some(timer) = watched.timer.take() {
            ctx.cancel_future(timer);
        }
        let now = now_ms();
        let open = watched.hours.is_open_at(now);
        if always || open != watched.open {
            watched.open = open;
            tracing::info!(website = %key, open, "working hours: the website opens or closes");
            watched.website.do_send(WorkingHoursChanged { open });
        }
        if let Some(next) = watched.hours.next_change_after(now) {
            let wait = Duration::from_millis(u64::try_from(next - now).unwrap_or(0));
            let key = key.clone();
            watched.timer = Some(ctx.run_later(wait, move |act, ctx| {
                if let Some(watched) = act.websites.get_mut(&key) {
                    watched.timer = None;
                }
                act.check(&key, false, ctx);
            }));
        }
    }
}

impl Actor for WorkingHoursSupervisor {
    type Context = Context<Self>;

    /// Also runs after a restart, whose new context has none of the old timers: every website
    /// is read again and its timer set.
    fn started(&mut self, ctx: &mut Context<Self>) {
        let keys: Vec<WebsiteKey> = self.websites.keys().cloned().collect();
        for key in keys {
            if let Some(watched) = self.websites.get_mut(&key) {
                watched.timer = None;
            }
            self.check(&key, false, ctx);
        }
    }
}

impl Supervised for WorkingHoursSupervisor {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        tracing::warn!("working-hours supervisor restarting");
    }
}

/// Watch this website's working hours from now on, in place of any it had. The website is
/// told its state at once, then at every change.
#[derive(Message)]
#[rtype(result = "()")]
pub struct WatchWorkingHours {
    pub website_key: WebsiteKey,
    pub hours: Box<dyn Timetable>,
    pub website: Recipient<WorkingHoursChanged>,
}

impl Handler<WatchWorkingHours> for WorkingHoursSupervisor {
    type Result = ();

    fn handle(&mut self, msg: WatchWorkingHours, ctx: &mut Context<Self>) {
        if let Some(old) = self.websites.remove(&msg.website_key) {
            if let Some(timer) = old.timer {
                ctx.cancel_future(timer);
            }
        }
        let watched = Watched {
            open: msg.hours.is_open_at(now_ms()),
            hours: msg.hours,
            website: msg.website,
            timer: None,
        };
        self.websites.insert(msg.website_key.clone(), watched);
        self.check(&msg.website_key, true, ctx);
    }
}

/// R57: the website was deleted: its hours are no longer watched.
#[derive(Message)]
#[rtype(result = "()")]
pub struct UnwatchWorkingHours {
    pub website_key: WebsiteKey,
}

impl Handler<UnwatchWorkingHours> for WorkingHoursSupervisor {
    type Result = ();

    fn handle(&mut self, msg: UnwatchWorkingHours, ctx: &mut Context<Self>) {
        if let Some(timer) = self
            .websites
            .remove(&msg.website_key)
            .and_then(|watched| watched.timer)
        {
            ctx.cancel_future(timer);
        }
    }
}
