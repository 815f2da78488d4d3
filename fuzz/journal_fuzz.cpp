//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// libFuzzer target for the token journal (journal_codec.hpp), which a
// JournalTokenStore replays from disk when it opens: the input is a journal
// text. It is split on '\n'; the first line goes through read_header_line,
// every other line through read_op_line, and each op read is applied with
// apply_change to one state_editor, as the store's replay does (a refused
// line or a change that does not apply is fine).
//
// Besides "no crash, no leak, no undefined behaviour, no exception" (ASan +
// UBSan), it checks an oracle on every input:
// - a line refused (header or op) says why;
// - an op that reads re-serialises (op_line) to exactly one line ending in
//   '\n', which reads back to an op of the same kind whose op_line is
//   byte-identical: the codec reaches a fixed point after one round;
// - a change refused by apply_change is a tokens::error;
// - compaction: the ops state_ops writes for the replayed state apply, one
//   after the other, to an empty state, and rebuild a state of as many
//   records whose state_ops are the same lines (a compacted journal replays,
//   loses nothing, and compacting it again changes nothing).

#include <modelauth/tokens/detail/journal_codec.hpp>
#include <modelauth/tokens/detail/store_ops.hpp>
#include <modelauth/tokens/detail/store_state.hpp>
#include <modelauth/tokens/error.hpp>

#include "oracle.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace ma = modelauth;
namespace store = ma::tokens::detail::managed_store;

using modelauth_fuzz::check;

// The op_line of `op` and what reading it back gives: the fixed point.
void check_round_trip(store::token_op const& op)
{
    std::string const line = op_line(op);
    check(! line.empty() && line.back() == '\n');
    check(line.find('\n') == line.size() - 1); // one journal line, never two
    std::string why;
    auto const again = store::read_op_line(std::string_view(line).substr(0, line.size() - 1), why);
    check(again.has_value() && why.empty());
    check(again->index() == op.index());
    check(store::op_line(*again) == line);
}

void check_applied(ma::result<std::size_t> const& applied)
{
    if(! applied)
        check(applied.error().category() == ma::tokens::error_category());
}

std::vector<std::string> lines_of(store::token_state const& s)
{
    std::vector<std::string> lines;
    for(auto const& op : store::state_ops(s))
        lines.push_back(store::op_line(op));
    return lines;
}

// What a compaction of `s` writes replays into a state that compacts to the
// same lines.
void check_compaction(store::token_state const& s)
{
    auto const lines = lines_of(s);
    store::token_state const empty;
    store::state_editor editor(empty);
    for(auto const& op : store::state_ops(s))
        check(store::apply_change(editor, op).has_value());
    auto const rebuilt = editor.build();
    check(lines_of(*rebuilt) == lines);
    check(store::record_count(*rebuilt) == store::record_count(s));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<char const*>(data), size);

    store::token_state const empty;
    store::state_editor editor(empty);
    bool first = true;
    while(! text.empty())
    {
        auto const end = text.find('\n');
        std::string_view const line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        std::string why;
        if(first)
        {
            first = false;
            if(! store::read_header_line(line, why))
                check(! why.empty());
            continue;
        }
        auto const op = store::read_op_line(line, why);
        if(! op)
        {
            check(! why.empty());
            continue;
        }
        check_round_trip(*op);
        check_applied(store::apply_change(editor, *op));
    }
    auto const state = editor.build();
    check_compaction(*state);
    return 0;
}
