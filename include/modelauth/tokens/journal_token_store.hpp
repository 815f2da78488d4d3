//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_JOURNAL_TOKEN_STORE_HPP
#define MODELAUTH_TOKENS_JOURNAL_TOKEN_STORE_HPP

/** @file
    A ManagedTokenStore persisted in a write-ahead journal, so that a restart
    keeps every token, revocation and refresh-token family.

    The journal is `<state_dir>/tokens.journal`, text, one JSON object per
    line:
    - line 1 names the format: `{"format":"modelauth.tokens.journal","version":1}`;
    - every other line is one mutation, e.g.
      `{"op":"revoke","jti":"...","until":1767225600}`. Digests are written
      in lower-case hex, times as integer seconds since the Unix epoch; a
      secret never appears (the store never sees one).

    A mutation is appended with `write(2)` and made durable with `fsync(2)`
    *before* it is published in memory: a change a caller was told succeeded
    survives a crash, and a change whose write or fsync failed
    (`tokens::error::storage_failure`) is not seen by anyone. Opening
    replays every line: a last line without its newline (a crash in the
    middle of a write) is dropped and truncated away; any other bad line
    refuses to open, naming the file and the line.

    `compact()` rewrites the journal as the current state (a temporary
    file, fsync, rename over the journal, fsync of the directory), which
    keeps the state and drops the history. The store compacts by itself
    after a change once the journal is more than twice the size of the
    state it rebuilds (`journal_options::auto_compact`), and when it opens
    such a journal; `prune` (e.g. on a timer) keeps the state itself from
    growing with expired records.

    Files are opened with `O_NOFOLLOW` (the temporary file also `O_EXCL`,
    after removing a stale one), and an existing state directory that group
    or others may write is refused: it holds the journal and, in a server,
    the issuer's private keys.

    Because a line is read back exactly as it will be replayed, the state in
    memory always equals the state a restart rebuilds: times are kept to
    whole seconds (rounded down), and text that is not valid UTF-8 (a token
    name, say) is refused with `tokens::error::invalid_request_body`.

    POSIX file I/O; Linux only.
*/

#if ! defined(__linux__)
#error "modelauth/tokens/journal_token_store.hpp: JournalTokenStore uses Linux file I/O (open, write, fsync, flock, rename); on this platform use InMemoryTokenStore or implement ManagedTokenStore"
#endif

#include <modelauth/error.hpp>
#include <modelauth/tokens/detail/store_core.hpp>
#include <modelauth/tokens/error.hpp>
#include <modelauth/tokens/managed_token_store.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace tokens {

/// Settings of `JournalTokenStore::open`.
struct journal_options
{
    /** Whether to rewrite the journal as the replayed state right after
        opening it (`JournalTokenStore::compact`), so that the history is not
        replayed again at the next start.
    */
    bool compact_on_open = false;

    /** Whether the store compacts the journal by itself, after a change and
        at open, once it is larger than `auto_compact_min_bytes` and more
        than twice the size of the state it rebuilds (as it was after the
        last compaction, or at open). A failed automatic compaction changes
        nothing (see `compact`) and is retried after a later change.
    */
    bool auto_compact = true;

    /// Below this size the journal is never compacted automatically.
    std::uint64_t auto_compact_min_bytes = 1u << 20;

    /** Fault injection, for tests of a failing disk: called before each
        `write(2)` and `fsync(2)` of a change, and of a compaction, with
        `"write"` or `"fsync"`; a non-zero return is taken as the errno of
        that call, which is then not made. Empty (the default): never used.
    */
    std::function<int(std::string_view operation)> inject_failure = {};

    /** For tests of two processes racing a compaction: called by `open`
        between opening the journal and locking it. Empty: never used.
    */
    std::function<void()> before_lock = {};
};

namespace detail {
namespace managed_store {
class file_journal;
} // namespace managed_store
} // namespace detail

/** A ManagedTokenStore whose every change is first written to a journal
    file: see the file comment.

    Reads take no lock, exactly as `InMemoryTokenStore`'s; writers are
    serialised by a mutex held across the journal's write and fsync. One
    store at a time may have a state directory open: the journal is locked
    (`flock`) for as long as the store lives, and a second `open`, from this
    process or another, fails.

    After a failed fsync the kernel may have dropped the written pages, so the
    journal can no longer be trusted to match memory: the store is then
    unhealthy (`healthy()` false) and refuses every further change with
    `tokens::error::storage_failure` until `compact()` succeeds (which
    rewrites the journal from memory) or the store is reopened; except that
    a revocation, a deletion, a deactivation or a family revocation still
    takes effect in memory at once (fail closed) and answers
    `storage_failure` to say it is not durable (a restart before a
    successful `compact()` loses it). A failed write is undone (the file is
    truncated back) and does not block later changes, unless it was such a
    change, which leaves the store unhealthy as well.

    One store at a time runs on a journal: `open` locks the file it opened
    and then checks that it is still the file at the journal's path (a
    compaction replaces it), and tries again if not, so that a second
    store can never run on a journal a compaction left behind.

    The epoch (`TokenStore::epoch`) starts above 0 at every open.

    Thread safety: safe to share between threads.
*/
class JournalTokenStore final : public detail::managed_store::store_overrides<JournalTokenStore>
{
public:
    /// The journal's file name inside the state directory.
    static constexpr std::string_view journal_file_name = "tokens.journal";

    /** Opens the store persisted in `state_dir`, creating the directory
        (mode 0700, its missing parents with the default mode) and an empty
        journal (mode 0600) if there is none.

        Replays the journal (see the file comment). An existing journal with
        more permissions than 0600 is restricted to 0600.

        @param why If not null, receives on failure a message for an
        operator naming the file (and, for a bad line, the line number and
        what is wrong with it): `"/var/lib/app/tokens.journal:17:
        token.hash: must be a digest"` (the key path of the bad member). It never contains token
        data.

        @return The store, or `tokens::error::storage_failure` if the
        directory or the journal cannot be created, read, locked or written,
        or the journal holds a bad line.

        Complexity: linear in the size of the journal.
        Exception safety: strong; throws only `std::bad_alloc`.
    */
    [[nodiscard]] static result<std::shared_ptr<JournalTokenStore>> open(
        std::filesystem::path state_dir, journal_options options = {}, std::string* why = nullptr);

    ~JournalTokenStore() override;

    /** Rewrites the journal as the current state: to
        `<state_dir>/tokens.journal.tmp`, fsync, rename over the journal,
        fsync of the directory. Writers wait meanwhile; readers do not.

        @return Nothing, or `tokens::error::storage_failure` (the journal
        is then the one before, unchanged, unless only the final fsync of
        the directory failed: see the class comment).

        Complexity: linear in the size of the state.
        Exception safety: strong.
    */
    [[nodiscard]] result<void> compact();

    /// The journal's path: `<state_dir>/tokens.journal`.
    [[nodiscard]] std::filesystem::path const& path() const noexcept;

    /// The journal's size in bytes, to decide when to `compact()`.
    [[nodiscard]] std::uint64_t journal_bytes() const noexcept;

    /** What went wrong in the last failed write, fsync or compaction, for a
        log: `"<file>: fsync: Input/output error"`; empty if nothing did.
        Never contains token data.
    */
    [[nodiscard]] std::string last_storage_error() const;

private:
    explicit JournalTokenStore(std::unique_ptr<detail::managed_store::file_journal> journal);

    friend class detail::managed_store::store_overrides<JournalTokenStore>;

    detail::managed_store::file_journal& journal() noexcept;
    bool do_healthy() const noexcept override;

    std::unique_ptr<detail::managed_store::file_journal> journal_;
};

} // namespace tokens
} // namespace v0
} // namespace modelauth

#include <modelauth/tokens/impl/journal_token_store.hpp>

#endif
