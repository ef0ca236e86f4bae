//! The one portable schema, valid for both backends (see `migrations/sqlite` and
//! `migrations/postgres`, which must stay in step with it).

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        display_name -> Text,
        role -> Text,
        password_hash -> Text,
        active -> Bool,
        capacity -> Integer,
        presence -> Text,
        created_at_ms -> BigInt,
        away_reason_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        created_at_ms -> BigInt,
        expires_at_ms -> BigInt,
    }
}

diesel::table! {
    queues (id) {
        id -> BigInt,
        name -> Text,
        offer_timeout_ms -> BigInt,
        hunt_timeout_ms -> BigInt,
        rona_enabled -> Bool,
        created_at_ms -> BigInt,
        strategy -> Text,
        opening_hours -> Text,
        wrap_up_auto_after_ms -> Nullable<BigInt>,
        leave_message -> Bool,
    }
}

diesel::table! {
    queue_members (id) {
        id -> BigInt,
        queue_id -> BigInt,
        user_id -> BigInt,
        hunt_order -> Integer,
    }
}

diesel::table! {
    websites (id) {
        id -> BigInt,
        key -> Text,
        name -> Text,
        description -> Text,
        allowed_domains -> Text,
        time_zone -> Text,
        working_intervals -> Text,
        max_concurrent_sessions -> Integer,
        queue_id -> BigInt,
        prechat_form -> Text,
        offline_form -> Text,
        appearance -> Text,
        created_at_ms -> BigInt,
        no_agent_mode -> Text,
        language -> Nullable<Text>,
        unmanaged_message -> Nullable<Text>,
        leave_message -> Bool,
        unmanaged_autoclose_ms -> BigInt,
        offline_options -> Text,
        contact_mapping -> Text,
        identity_secret -> Nullable<Text>,
        require_signed_identity -> Bool,
    }
}

diesel::table! {
    contacts (id) {
        id -> BigInt,
        name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        fields -> Text,
        created_at_ms -> BigInt,
        list -> Text,
    }
}

diesel::table! {
    chats (id) {
        id -> BigInt,
        website_id -> BigInt,
        queue_id -> BigInt,
        state -> Text,
        disposition -> Nullable<Text>,
        agent_id -> Nullable<BigInt>,
        contact_id -> Nullable<BigInt>,
        visitor_name -> Text,
        visitor_token_hash -> Text,
        visitor_meta -> Text,
        created_at_ms -> BigInt,
        accepted_at_ms -> Nullable<BigInt>,
        ended_at_ms -> Nullable<BigInt>,
        target_agent_id -> Nullable<BigInt>,
        visitor_key -> Nullable<Text>,
        review_closed_at_ms -> Nullable<BigInt>,
        review_closed_by -> Nullable<BigInt>,
        anonymised_at_ms -> Nullable<BigInt>,
    }
}

diesel::table! {
    chat_events (chat_id, seq) {
        chat_id -> BigInt,
        seq -> BigInt,
        at_ms -> BigInt,
        kind -> Text,
        author_kind -> Text,
        author_id -> Nullable<BigInt>,
        author_name -> Text,
        private -> Bool,
        client_key -> Nullable<Text>,
        payload -> Text,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> BigInt,
        to_address -> Text,
        reply_to -> Nullable<Text>,
        subject -> Text,
        body -> Text,
        attempts -> Integer,
        next_attempt_at_ms -> BigInt,
        sent_at_ms -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        created_at_ms -> BigInt,
        body_html -> Nullable<Text>,
        attachments -> Text,
    }
}

diesel::table! {
    routing_steps (id) {
        id -> BigInt,
        chat_id -> BigInt,
        queue_id -> BigInt,
        agent_id -> Nullable<BigInt>,
        step -> Text,
        detail -> Text,
        at_ms -> BigInt,
    }
}

diesel::table! {
    invitation_codes (id) {
        id -> BigInt,
        code -> Text,
        agent_id -> BigInt,
        max_uses -> Nullable<Integer>,
        uses -> Integer,
        revoked -> Bool,
        created_at_ms -> BigInt,
        expires_at_ms -> BigInt,
    }
}

diesel::table! {
    page_views (id) {
        id -> BigInt,
        chat_id -> BigInt,
        url -> Text,
        title -> Nullable<Text>,
        at_ms -> BigInt,
    }
}

diesel::table! {
    away_reasons (id) {
        id -> BigInt,
        label -> Text,
        label_key -> Text,
        sort_order -> Integer,
        active -> Bool,
        created_at_ms -> BigInt,
        updated_at_ms -> BigInt,
    }
}

diesel::table! {
    options (key) {
        key -> Text,
        value -> Text,
        updated_at_ms -> BigInt,
    }
}

diesel::table! {
    left_messages (id) {
        id -> BigInt,
        chat_id -> BigInt,
        name -> Text,
        email -> Nullable<Text>,
        text -> Text,
        created_at_ms -> BigInt,
    }
}

diesel::table! {
    offline_messages (id) {
        id -> BigInt,
        website_id -> BigInt,
        reason -> Text,
        disposition -> Text,
        state -> Text,
        visitor_name -> Nullable<Text>,
        visitor_email -> Nullable<Text>,
        form -> Text,
        fields -> Text,
        visitor_meta -> Text,
        visitor_key -> Nullable<Text>,
        contact_id -> Nullable<BigInt>,
        created_at_ms -> BigInt,
        closed_at_ms -> Nullable<BigInt>,
        closed_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    offline_replies (id) {
        id -> BigInt,
        offline_message_id -> BigInt,
        author_id -> BigInt,
        to_address -> Text,
        subject -> Text,
        body -> Text,
        outbox_id -> BigInt,
        created_at_ms -> BigInt,
    }
}

diesel::table! {
    transcript_requests (id) {
        id -> BigInt,
        chat_id -> BigInt,
        email -> Text,
        requested_at_ms -> BigInt,
        mailed_at_ms -> Nullable<BigInt>,
    }
}

diesel::table! {
    review_replies (id) {
        id -> BigInt,
        chat_id -> BigInt,
        user_id -> BigInt,
        to_address -> Text,
        subject -> Text,
        body -> Text,
        outbox_id -> BigInt,
        sent_at_ms -> BigInt,
    }
}

diesel::table! {
    uploads (id) {
        id -> Text,
        website_id -> BigInt,
        form_kind -> Text,
        field -> Text,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        content -> Binary,
        created_at_ms -> BigInt,
        offline_message_id -> Nullable<BigInt>,
        chat_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    chat_attachments (id) {
        id -> Text,
        chat_id -> BigInt,
        uploader_kind -> Text,
        uploader_id -> Nullable<BigInt>,
        name -> Text,
        mime_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        storage_key -> Text,
        created_at_ms -> BigInt,
        event_seq -> Nullable<BigInt>,
        private -> Bool,
    }
}

diesel::table! {
    predefined_messages (id) {
        id -> BigInt,
        title -> Text,
        body -> Text,
        queue_id -> Nullable<BigInt>,
        agent_id -> Nullable<BigInt>,
        created_at_ms -> BigInt,
        updated_at_ms -> BigInt,
    }
}

diesel::table! {
    agent_notes (id) {
        id -> BigInt,
        chat_id -> BigInt,
        contact_id -> Nullable<BigInt>,
        author_id -> BigInt,
        text -> Text,
        created_at_ms -> BigInt,
    }
}

diesel::table! {
    visitor_bans (id) {
        id -> BigInt,
        website_id -> BigInt,
        visitor_key -> Nullable<Text>,
        subject -> Nullable<Text>,
        reason -> Text,
        chat_id -> Nullable<BigInt>,
        banned_by -> BigInt,
        created_at_ms -> BigInt,
    }
}

diesel::table! {
    wrap_up_reasons (id) {
        id -> BigInt,
        label -> Text,
        label_key -> Text,
        sort_order -> Integer,
        active -> Bool,
        is_default -> Bool,
        created_at_ms -> BigInt,
        updated_at_ms -> BigInt,
    }
}

diesel::table! {
    chat_wrap_ups (id) {
        id -> BigInt,
        chat_id -> BigInt,
        agent_id -> BigInt,
        owed_at_ms -> BigInt,
        auto_at_ms -> Nullable<BigInt>,
        reason_id -> Nullable<BigInt>,
        reason_label -> Nullable<Text>,
        note -> Nullable<Text>,
        auto -> Bool,
        done_at_ms -> Nullable<BigInt>,
    }
}

diesel::table! {
    /// R43, R44, R45: the agents of a chat; open rows (`left_at_ms` NULL) are in it now.
    chat_agents (id) {
        id -> BigInt,
        chat_id -> BigInt,
        agent_id -> BigInt,
        role -> Text,
        joined_at_ms -> BigInt,
        left_at_ms -> Nullable<BigInt>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at_ms -> BigInt,
        user_id -> Nullable<BigInt>,
        username -> Text,
        action -> Text,
        target -> Text,
        details -> Text,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(users -> away_reasons (away_reason_id));
diesel::joinable!(queue_members -> queues (queue_id));
diesel::joinable!(queue_members -> users (user_id));
diesel::joinable!(websites -> queues (queue_id));
diesel::joinable!(chats -> websites (website_id));
diesel::joinable!(chat_events -> chats (chat_id));
diesel::joinable!(chat_agents -> chats (chat_id));
diesel::joinable!(chat_agents -> users (agent_id));
diesel::joinable!(page_views -> chats (chat_id));
diesel::joinable!(left_messages -> chats (chat_id));
diesel::joinable!(chat_attachments -> chats (chat_id));
diesel::joinable!(transcript_requests -> chats (chat_id));
diesel::joinable!(review_replies -> chats (chat_id));
diesel::joinable!(offline_messages -> websites (website_id));
diesel::joinable!(offline_replies -> offline_messages (offline_message_id));
diesel::joinable!(offline_replies -> users (author_id));
diesel::joinable!(agent_notes -> users (author_id));
diesel::joinable!(visitor_bans -> users (banned_by));
diesel::joinable!(visitor_bans -> websites (website_id));

diesel::table! {
    chat_receipts (chat_id, reader_kind, reader_id) {
        chat_id -> BigInt,
        reader_kind -> Text,
        reader_id -> BigInt,
        delivered_seq -> BigInt,
        read_seq -> BigInt,
        updated_at_ms -> BigInt,
    }
}
diesel::joinable!(chat_wrap_ups -> chats (chat_id));
diesel::joinable!(chat_wrap_ups -> users (agent_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    sessions,
    queues,
    queue_members,
    websites,
    contacts,
    chats,
    chat_events,
    mail_outbox,
    routing_steps,
    invitation_codes,
    away_reasons,
    page_views,
    options,
    left_messages,
    transcript_requests,
    review_replies,
    offline_messages,
    offline_replies,
    uploads,
    chat_attachments,
    predefined_messages,
    chat_receipts,
    agent_notes,
    visitor_bans,
    wrap_up_reasons,
    chat_wrap_ups,
    chat_agents,
    audit_log,
);
