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
// Keys: `<prefix>:ops` (the stream) and `<prefix>:head` (a string).

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
local id = redis.call('XADD', KEYS[1], '*', 'op', ARGV[2])
redis.call('SET', KEYS[2], id)
return {1, id}
)lua";
        auto reply = connection_->command({"EVAL", script, "2", stream_, head_, expected_head, line});
        if(! reply)
            return reply.error();
        if(reply->type != redis_reply::kind::array || reply->elements.size() != 2
           || reply->elements[0].type != redis_reply::kind::integer)
            return make_error_code(tokens::error::storage_failure);
        return append_outcome{reply->elements[0].integer == 1, std::move(reply->elements[1].text)};
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
local id = redis.call('XADD', KEYS[1], '*', 'keys', ARGV[3])
redis.call('SET', KEYS[2], id)
return {1, id}
)lua";
        auto reply = connection_->command({"EVAL", script, "3", stream_, head_, keys_key, expected, text, kid});
        if(! reply)
            return reply.error();
        if(reply->type != redis_reply::kind::array || reply->elements.size() != 2
           || reply->elements[0].type != redis_reply::kind::integer)
            return make_error_code(tokens::error::storage_failure);
        return append_outcome{reply->elements[0].integer == 1, std::move(reply->elements[1].text)};
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
            bool keys = false;
            for(std::size_t i = 0; i + 1 < fields.size(); i += 2)
                if(fields[i].text == "op" || fields[i].text == "keys")
                {
                    line = &fields[i + 1].text;
                    keys = fields[i].text == "keys";
                }
            if(line == nullptr)
                return make_error_code(tokens::error::storage_failure);
            ops.push_back({std::move(entry.elements[0].text), std::move(*line), keys});
        }
        return ops;
    }

private:
    redis_connection* connection_;
    std::string stream_;
    std::string head_;
};

} // namespace detail
} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
