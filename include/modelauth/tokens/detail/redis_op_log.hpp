//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_DETAIL_REDIS_OP_LOG_HPP
#define MODELAUTH_TOKENS_DETAIL_REDIS_OP_LOG_HPP

// The log of store changes that replicas share through Redis: a stream of
// journal lines (the same text a JournalTokenStore writes, `op` field), and
// beside it the id of the last line appended. A replica appends a change
// only if the log's head is still the one it last applied (a Lua script, so
// the check and the append are one step on the server): a replica that
// raced another learns the new head, catches up and plans its change again.
// That makes every replica's changes one sequence, checked against the
// state that sequence builds (quotas, refresh-token reuse, one key per user
// hold across replicas), and the same sequence is what every replica reads
// (XREAD, blocking) to keep its mirror.
//
// Keys: `<prefix>:ops` (the stream), `<prefix>:head` (a string), and after a
// compaction `<prefix>:snapshot` (a list of chunks of journal text) with
// `<prefix>:snapshot_id` (the entry it is as of; the entries before it are
// trimmed away). Each entry records the id of the one before it (`prev`).

#include <modelauth/tokens/detail/redis_connection.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace detail {

// A stream id and the journal line stored under it; or, for an entry that
// says the issuer's keys changed (`keys`), the new signing key's kid.
struct logged_op
{
    std::string id;
    std::string line;
    bool keys = false;
    // The id of the entry before it when it was appended ("0-0": none): a
    // reader whose place is not this id missed entries a compaction
    // trimmed, and must reload the snapshot. Empty: not recorded.
    std::string prev;
};

// The state as of one entry of the log, as a compaction wrote it: the
// journal text (`file_journal::text_of`) in chunks of whole lines.
struct log_snapshot
{
    std::string id;
    std::vector<std::string> chunks;
};

// What an append did: `appended` with the new line's id, or not, with the
// head the log has instead.
struct append_outcome
{
    bool appended = false;
    std::string id;
};

class redis_op_log
{
public:
    // The head of an empty log.
    static constexpr std::string_view empty_head = "0-0";

    redis_op_log(redis_connection& connection, std::string prefix)
        : connection_(&connection)
        , stream_(prefix + ":ops")
        , head_(prefix + ":head")
        , snapshot_(prefix + ":snapshot")
        , snapshot_id_(prefix + ":snapshot_id")
    {
    }

    [[nodiscard]] std::string const& stream_key() const noexcept { return stream_; }

    // Appends `line` if the head is `expected_head`; otherwise answers the head.
    result<append_outcome> append_if_head(std::string_view expected_head, std::string_view line)
    {
        static constexpr std::string_view script = R"lua(
local head = redis.call('GET', KEYS[2])
if not head then head = '0-0' end
if head ~= ARGV[1] then return {0, head} end
local id = redis.call('XADD', KEYS[1], '*', 'op', ARGV[2], 'prev', head)
redis.call('SET', KEYS[2], id)
return {1, id}
)lua";
        return outcome_of(connection_->command({"EVAL", script, "2", stream_, head_, expected_head, line}));
    }

    /*  Replaces the issuer's keys, the text at `keys_key`, by `text` if it
        is still `expected` (empty: there is none), and appends an entry
        `keys` = `kid` that tells every replica to load them; otherwise
        answers the text there is instead (`appended` false, the text in
        `id`).
    */
    result<append_outcome> replace_keys_if(std::string_view keys_key, std::string_view expected,
                                           std::string_view text, std::string_view kid)
    {
        static constexpr std::string_view script = R"lua(
local current = redis.call('GET', KEYS[3])
if not current then current = '' end
if current ~= ARGV[1] then return {0, current} end
redis.call('SET', KEYS[3], ARGV[2])
local head = redis.call('GET', KEYS[2])
if not head then head = '0-0' end
local id = redis.call('XADD', KEYS[1], '*', 'keys', ARGV[3], 'prev', head)
redis.call('SET', KEYS[2], id)
return {1, id}
)lua";
        return outcome_of(connection_->command({"EVAL", script, "3", stream_, head_, keys_key, expected, text, kid}));
    }

    // The text at `key` (the issuer's keys); empty when there is none.
    result<std::string> get(std::string_view key)
    {
        auto reply = connection_->command({"GET", key});
        if(! reply)
            return reply.error();
        return std::move(reply->text);
    }

    // The log's head: the id of its last line, or `empty_head`.
    result<std::string> head()
    {
        auto reply = connection_->command({"GET", head_});
        if(! reply)
            return reply.error();
        if(reply->is_nil())
            return std::string(empty_head);
        return std::move(reply->text);
    }

    // Up to `count` lines after `id`, oldest first. With `block`, waits up
    // to that long for one when there is none (an empty answer: none came).
    result<std::vector<logged_op>> read_after(std::string_view id, std::size_t count,
                                              std::optional<std::chrono::milliseconds> block = std::nullopt)
    {
        auto const n = std::to_string(count);
        std::vector<std::string_view> args{"XREAD", "COUNT", n};
        std::string wait;
        if(block)
        {
            wait = std::to_string(block->count());
            args.push_back("BLOCK");
            args.push_back(wait);
        }
        args.push_back("STREAMS");
        args.push_back(stream_);
        args.push_back(id);
        auto reply = connection_->command(args);
        if(! reply)
            return reply.error();
        std::vector<logged_op> ops;
        if(reply->is_nil())
            return ops;
        // [[stream, [[id, [field, value, ...]], ...]]]
        if(reply->type != redis_reply::kind::array || reply->elements.size() != 1
           || reply->elements[0].elements.size() != 2)
            return make_error_code(tokens::error::storage_failure);
        for(auto& entry : reply->elements[0].elements[1].elements)
        {
            if(entry.elements.size() != 2)
                return make_error_code(tokens::error::storage_failure);
            auto& fields = entry.elements[1].elements;
            std::string* line = nullptr;
            std::string prev;
            bool keys = false;
            for(std::size_t i = 0; i + 1 < fields.size(); i += 2)
            {
                if(fields[i].text == "op" || fields[i].text == "keys")
                {
                    line = &fields[i + 1].text;
                    keys = fields[i].text == "keys";
                }
                else if(fields[i].text == "prev")
                    prev = std::move(fields[i + 1].text);
            }
            if(line == nullptr)
                return make_error_code(tokens::error::storage_failure);
            ops.push_back({std::move(entry.elements[0].text), std::move(*line), keys, std::move(prev)});
        }
        return ops;
    }

    /*  Makes `chunks` (the state as of the entry `id`) the snapshot and
        trims the entries before `id`, unless the snapshot there is already
        as of `id` or later (another replica compacted further). The chunks
        go to `temporary` first (a key of this writer's own, which expires
        if it dies midway), then one script swaps it in and trims.

        @return Whether this snapshot was taken.
    */
    result<bool> write_snapshot(std::string const& id, std::vector<std::string> const& chunks,
                                std::string const& temporary)
    {
        static constexpr std::string_view script = R"lua(
local function parse(s)
  local ms, seq = string.match(s, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local current = redis.call('GET', KEYS[3])
if current then
  local a, b = parse(current)
  local c, d = parse(ARGV[1])
  if a > c or (a == c and b >= d) then
    redis.call('DEL', KEYS[1])
    return 0
  end
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RENAME', KEYS[1], KEYS[2])
else
  redis.call('DEL', KEYS[2])
end
redis.call('SET', KEYS[3], ARGV[1])
redis.call('XTRIM', KEYS[4], 'MINID', ARGV[1])
return 1
)lua";
        if(auto r = connection_->command({"DEL", temporary}); ! r)
            return result<bool>(boost::system::in_place_error, r.error());
        constexpr std::size_t per_command = 16;
        for(std::size_t at = 0; at < chunks.size(); at += per_command)
        {
            std::vector<std::string_view> args{"RPUSH", temporary};
            for(std::size_t i = at; i < chunks.size() && i < at + per_command; ++i)
                args.push_back(chunks[i]);
            if(auto r = connection_->command(args); ! r)
                return result<bool>(boost::system::in_place_error, r.error());
            if(at == 0)
                if(auto r = connection_->command({"EXPIRE", temporary, "3600"}); ! r)
                    return result<bool>(boost::system::in_place_error, r.error());
        }
        auto reply = connection_->command(
            {"EVAL", script, "4", temporary, snapshot_, snapshot_id_, stream_, id});
        if(! reply)
            return result<bool>(boost::system::in_place_error, reply.error());
        return reply->integer == 1;
    }

    // The snapshot, or none. Read in batches, so it is checked to be one
    // snapshot (its id the same before and after; retried if another
    // replica compacted meanwhile).
    result<std::optional<log_snapshot>> read_snapshot()
    {
        for(int attempt = 0; attempt < 4; ++attempt)
        {
            auto id = connection_->command({"GET", snapshot_id_});
            if(! id)
                return id.error();
            if(id->is_nil())
                return std::optional<log_snapshot>();
            log_snapshot out{std::move(id->text), {}};
            constexpr long batch = 64;
            for(long at = 0;; at += batch)
            {
                auto const from = std::to_string(at);
                auto const to = std::to_string(at + batch - 1);
                auto part = connection_->command({"LRANGE", snapshot_, from, to});
                if(! part)
                    return part.error();
                for(auto& chunk : part->elements)
                    out.chunks.push_back(std::move(chunk.text));
                if(part->elements.size() < static_cast<std::size_t>(batch))
                    break;
            }
            auto again = connection_->command({"GET", snapshot_id_});
            if(! again)
                return again.error();
            if(again->text == out.id)
                return std::optional<log_snapshot>(std::move(out));
        }
        return make_error_code(tokens::error::storage_failure);
    }

    // How many entries the log holds now.
    result<long long> length()
    {
        auto reply = connection_->command({"XLEN", stream_});
        if(! reply)
            return reply.error();
        return reply->integer;
    }

private:
    // A script's `{1, id}` (appended) or `{0, what is there instead}`.
    static result<append_outcome> outcome_of(result<redis_reply> reply)
    {
        if(! reply)
            return reply.error();
        if(reply->type != redis_reply::kind::array || reply->elements.size() != 2
           || reply->elements[0].type != redis_reply::kind::integer)
            return make_error_code(tokens::error::storage_failure);
        return append_outcome{reply->elements[0].integer == 1, std::move(reply->elements[1].text)};
    }

    redis_connection* connection_;
    std::string stream_;
    std::string head_;
    std::string snapshot_;
    std::string snapshot_id_;
};

} // namespace detail
} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
