//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TEST_SUPPORT_RAW_HTTP_CLIENT_HPP
#define MODELAUTH_TEST_SUPPORT_RAW_HTTP_CLIENT_HPP

// A blocking HTTP/1.1 client over loopback for the server tests: it writes
// bytes exactly as given (malformed requests included) and reads responses
// with Beast's parser. Reads block: the server under test bounds them with
// its own header deadline. One per thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace modelauth_test {

class raw_http_client
{
public:
    explicit raw_http_client(unsigned short port)
        : socket_(ioc_)
    {
        socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    }

    // Writes `bytes` as they are.
    void send(std::string_view bytes) { boost::asio::write(socket_, boost::asio::buffer(bytes.data(), bytes.size())); }

    // The next response, or nothing when the connection ended (or the server's deadline passed) first.
    std::optional<boost::beast::http::response<boost::beast::http::string_body>> receive()
    {
        boost::beast::http::response<boost::beast::http::string_body> res;
        boost::system::error_code ec;
        boost::beast::http::read(socket_, buffer_, res, ec);
        if(ec)
            return std::nullopt;
        return res;
    }

    // `send` then `receive`.
    std::optional<boost::beast::http::response<boost::beast::http::string_body>> exchange(std::string_view bytes)
    {
        send(bytes);
        return receive();
    }

    // Whether the server closed the connection: a read ends with EOF (or a
    // reset), not with data.
    bool closed_by_server()
    {
        char byte = 0;
        boost::system::error_code ec;
        auto const n = socket_.read_some(boost::asio::buffer(&byte, 1), ec);
        return n == 0 && (ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset);
    }

    // Closes this end (a server draining the connection then lets it go).
    void close()
    {
        boost::system::error_code ignored;
        socket_.close(ignored);
    }

private:
    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::socket socket_;
    boost::beast::flat_buffer buffer_;
};

// A GET of `target` with the given extra header lines (each ending in \r\n).
inline std::string get_request(std::string_view target, std::string_view extra = {})
{
    return "GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + std::string(extra) + "\r\n";
}

} // namespace modelauth_test

#endif
