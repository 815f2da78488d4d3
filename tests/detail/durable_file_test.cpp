//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include <modelauth/detail/durable_file.hpp>

#include "support/temporary_directory.hpp"

#include <doctest/doctest.h>

#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>

namespace fs = std::filesystem;
namespace md = modelauth::detail;

namespace {

std::string contents_of(fs::path const& file)
{
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The names in `dir`, but `keep`: what a write left behind.
std::size_t others_in(fs::path const& dir, fs::path const& keep)
{
    std::size_t n = 0;
    for(auto const& entry : fs::directory_iterator(dir))
        n += entry.path().filename() != keep.filename();
    return n;
}

} // namespace

TEST_CASE("write_file_atomically creates a file of mode 0600 and leaves no temporary file")
{
    modelauth_test::temporary_directory dir("durable");
    fs::create_directories(dir.path);
    auto const file = dir.path / "state.json";

    CHECK(md::write_file_atomically(file, "first\n") == 0);
    CHECK(contents_of(file) == "first\n");
    CHECK((fs::status(file).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
    CHECK(others_in(dir.path, file) == 0);
}

TEST_CASE("write_file_atomically replaces an existing file whole, whatever its mode was")
{
    modelauth_test::temporary_directory dir("durable");
    fs::create_directories(dir.path);
    auto const file = dir.path / "state.json";
    std::ofstream(file) << "an older and longer text\n";
    fs::permissions(file, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);

    CHECK(md::write_file_atomically(file, "new", md::directory_sync::best_effort) == 0);
    CHECK(contents_of(file) == "new");
    CHECK((fs::status(file).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
    CHECK(others_in(dir.path, file) == 0);
}

TEST_CASE("write_file_atomically reports the errno of a missing directory and changes nothing")
{
    modelauth_test::temporary_directory dir("durable");
    CHECK(md::write_file_atomically(dir.path / "state.json", "text") == ENOENT);
    CHECK_FALSE(fs::exists(dir.path));
}

TEST_CASE("write_file_atomically removes its temporary file when the rename fails")
{
    modelauth_test::temporary_directory dir("durable");
    fs::create_directories(dir.path / "state.json" / "inside");

    // A non-empty directory is in the way: rename(2) refuses to replace it.
    int const error = md::write_file_atomically(dir.path / "state.json", "text");
    CHECK((error == EISDIR || error == ENOTEMPTY || error == EEXIST));
    CHECK(others_in(dir.path, dir.path / "state.json") == 0);
}

TEST_CASE("read_file reads a whole file, and names a missing, oversized or non-regular one by its errno")
{
    modelauth_test::temporary_directory dir("durable");
    fs::create_directories(dir.path);
    auto const file = dir.path / "key.json";
    std::ofstream(file) << "0123456789";

    std::string text = "stale";
    CHECK(md::read_file(file, 10, text) == 0);
    CHECK(text == "0123456789");

    CHECK(md::read_file(file, 9, text) == EFBIG);
    CHECK(text.empty());
    CHECK(md::read_file(dir.path / "absent.json", 10, text) == ENOENT);
    CHECK(md::read_file(dir.path, 10, text) == EINVAL);

    std::ofstream(dir.path / "empty.json");
    text = "stale";
    CHECK(md::read_file(dir.path / "empty.json", 10, text) == 0);
    CHECK(text.empty());
}

TEST_CASE("write_fully and read_fully round-trip through a descriptor, and unique_fd closes it once")
{
    modelauth_test::temporary_directory dir("durable");
    fs::create_directories(dir.path);
    auto const file = dir.path / "journal";

    md::unique_fd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
    REQUIRE(fd);
    std::string const line(100000, 'x'); // more than one read buffer
    CHECK(md::write_fully(fd.get(), line) == 0);
    CHECK(md::sync_fully(fd.get()) == 0);
    std::string text;
    CHECK(md::read_fully(fd.get(), text) == 0);
    CHECK(text == line);

    md::unique_fd moved(std::move(fd));
    CHECK_FALSE(fd);
    CHECK(moved.close() == 0);
    CHECK_FALSE(moved);
    CHECK(moved.close() == 0); // closing an empty descriptor is nothing

    CHECK(md::sync_directory(dir.path) == 0);
    CHECK(md::sync_directory(dir.path / "absent") == ENOENT);
    CHECK(md::errno_text(file, "fsync", EIO) == file.string() + ": fsync: " + std::system_category().message(EIO));
}
