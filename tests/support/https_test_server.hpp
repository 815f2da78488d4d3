//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TEST_SUPPORT_HTTPS_TEST_SERVER_HPP
#define MODELAUTH_TEST_SUPPORT_HTTPS_TEST_SERVER_HPP

// The fake identity provider for the tests of a remote-JWKS fetcher: a CA and
// a server certificate made at test time (test_pki), and an HTTPS (or plain
// HTTP) server on loopback that answers each request path with a canned
// response the test sets (https_test_server). The server runs on its own
// thread; its destructor closes every connection, hanging ones included, and
// joins that thread.

#include <boost/asio/buffer.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace modelauth_test {

namespace https_test_server_detail {

struct openssl_deleter
{
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
    void operator()(X509* p) const noexcept { X509_free(p); }
    void operator()(X509_EXTENSION* p) const noexcept { X509_EXTENSION_free(p); }
    void operator()(BIGNUM* p) const noexcept { BN_free(p); }
    void operator()(ASN1_INTEGER* p) const noexcept { ASN1_INTEGER_free(p); }
    void operator()(BIO* p) const noexcept { BIO_free(p); }
};

template<class T>
using openssl_ptr = std::unique_ptr<T, openssl_deleter>;

// Throws std::runtime_error naming `what` when `ok` is false; the OpenSSL
// error queue is emptied either way.
inline void check(bool ok, char const* what)
{
    if(ok)
        return;
    std::string message = std::string("test_pki: ") + what + " failed";
    if(auto const code = ERR_get_error(); code != 0)
    {
        std::array<char, 256> text{};
        ERR_error_string_n(code, text.data(), text.size());
        message += ": ";
        message += text.data();
    }
    ERR_clear_error();
    throw std::runtime_error(message);
}

// A new EC P-256 key.
inline openssl_ptr<EVP_PKEY> make_key()
{
    openssl_ptr<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    check(key != nullptr, "EVP_PKEY_Q_keygen(EC, P-256)");
    return key;
}

inline void add_extension(X509* cert, X509* issuer, int nid, char const* value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    openssl_ptr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    check(ext != nullptr, "X509V3_EXT_conf_nid");
    check(X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

// An unsigned version 3 certificate for `key` named CN=`common_name`, valid
// from an hour ago to a day from now, with a random serial.
inline openssl_ptr<X509> make_certificate(EVP_PKEY* key, std::string const& common_name)
{
    openssl_ptr<X509> cert(X509_new());
    check(cert != nullptr, "X509_new");
    check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");

    std::array<unsigned char, 16> serial_bytes{};
    check(RAND_bytes(serial_bytes.data(), static_cast<int>(serial_bytes.size())) == 1, "RAND_bytes");
    serial_bytes[0] &= 0x7f; // positive
    serial_bytes[0] |= 0x01; // and not zero
    openssl_ptr<BIGNUM> serial(BN_bin2bn(serial_bytes.data(), static_cast<int>(serial_bytes.size()), nullptr));
    check(serial != nullptr, "BN_bin2bn");
    openssl_ptr<ASN1_INTEGER> serial_asn1(BN_to_ASN1_INTEGER(serial.get(), nullptr));
    check(serial_asn1 != nullptr, "BN_to_ASN1_INTEGER");
    check(X509_set_serialNumber(cert.get(), serial_asn1.get()) == 1, "X509_set_serialNumber");

    check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60L * 60) != nullptr, "X509_gmtime_adj(notBefore)");
    check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24L * 60 * 60) != nullptr, "X509_gmtime_adj(notAfter)");

    X509_NAME* name = X509_get_subject_name(cert.get());
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
              reinterpret_cast<unsigned char const*>(common_name.c_str()), -1, -1, 0) == 1,
        "X509_NAME_add_entry_by_txt");
    check(X509_set_pubkey(cert.get(), key) == 1, "X509_set_pubkey");
    return cert;
}

inline std::string to_pem(X509* cert)
{
    openssl_ptr<BIO> bio(BIO_new(BIO_s_mem()));
    check(bio != nullptr, "BIO_new");
    check(PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
    char* data = nullptr;
    auto const size = BIO_get_mem_data(bio.get(), &data);
    check(size > 0 && data != nullptr, "BIO_get_mem_data");
    return std::string(data, static_cast<std::size_t>(size));
}

// PKCS#8 ("BEGIN PRIVATE KEY"), unencrypted.
inline std::string to_pem(EVP_PKEY* key)
{
    openssl_ptr<BIO> bio(BIO_new(BIO_s_mem()));
    check(bio != nullptr, "BIO_new");
    check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_bio_PrivateKey");
    char* data = nullptr;
    auto const size = BIO_get_mem_data(bio.get(), &data);
    check(size > 0 && data != nullptr, "BIO_get_mem_data");
    return std::string(data, static_cast<std::size_t>(size));
}

} // namespace https_test_server_detail

// A CA and a leaf certificate made at test time with OpenSSL 3 EVP/X509
// APIs (EC P-256 keys, SHA-256 signatures).
struct test_pki
{
    // A new CA ("modelauth test CA <n>", basicConstraints CA:TRUE, keyUsage
    // keyCertSign) and a leaf it signs, valid from now-1h to now+1d, with
    // subjectAltName DNS:<each dns name> and IP:<each ip address>,
    // extendedKeyUsage serverAuth. Throws std::runtime_error on any OpenSSL
    // failure.
    static test_pki make(std::vector<std::string> const& dns_names, std::vector<std::string> const& ip_addresses)
    {
        namespace d = https_test_server_detail;
        static std::atomic<int> counter{0};
        auto const ca_name = "modelauth test CA " + std::to_string(++counter);

        auto const ca_key = d::make_key();
        auto const ca = d::make_certificate(ca_key.get(), ca_name);
        d::check(X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get())) == 1, "X509_set_issuer_name");
        d::add_extension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
        d::add_extension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
        d::add_extension(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
        d::check(X509_sign(ca.get(), ca_key.get(), EVP_sha256()) > 0, "X509_sign(CA)");

        auto const leaf_key = d::make_key();
        auto const leaf = d::make_certificate(
            leaf_key.get(), dns_names.empty() ? std::string("modelauth test server") : dns_names.front());
        d::check(X509_set_issuer_name(leaf.get(), X509_get_subject_name(ca.get())) == 1, "X509_set_issuer_name");
        d::add_extension(leaf.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
        d::add_extension(leaf.get(), ca.get(), NID_key_usage, "critical,digitalSignature");
        d::add_extension(leaf.get(), ca.get(), NID_ext_key_usage, "serverAuth");
        d::add_extension(leaf.get(), ca.get(), NID_subject_key_identifier, "hash");
        d::add_extension(leaf.get(), ca.get(), NID_authority_key_identifier, "keyid:always");
        std::string alt_names;
        for(auto const& dns : dns_names)
            alt_names += (alt_names.empty() ? "" : ",") + std::string("DNS:") + dns;
        for(auto const& ip : ip_addresses)
            alt_names += (alt_names.empty() ? "" : ",") + std::string("IP:") + ip;
        if(!alt_names.empty())
            d::add_extension(leaf.get(), ca.get(), NID_subject_alt_name, alt_names.c_str());
        d::check(X509_sign(leaf.get(), ca_key.get(), EVP_sha256()) > 0, "X509_sign(leaf)");

        test_pki pki;
        pki.ca_pem = d::to_pem(ca.get());
        pki.cert_pem = d::to_pem(leaf.get());
        pki.key_pem = d::to_pem(leaf_key.get());
        return pki;
    }

    std::string ca_pem;   // the CA's certificate, PEM
    std::string cert_pem; // the leaf's certificate, PEM
    std::string key_pem;  // the leaf's private key, PEM (PKCS#8)

    // Writes ca_pem to `path` (a CA file a client can be pointed at).
    // Throws std::runtime_error when the file cannot be written.
    void write_ca(std::filesystem::path const& path) const
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << ca_pem;
        out.close();
        if(!out)
            throw std::runtime_error("test_pki: cannot write " + path.string());
    }
};

// One canned answer.
struct canned_response
{
    unsigned status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers; // e.g. {"Cache-Control", "max-age=60"}
    bool hang = false; // read the request, then never answer (until the server stops): a slow provider
};

namespace https_test_server_detail {

// What the connections share with the test thread; every member under `mutex`.
struct server_state
{
    mutable std::mutex mutex;
    std::map<std::string, canned_response> responses;
    std::map<std::string, std::size_t> hits;
    std::string last_sni;
    std::string last_host;
};

class connection_base
{
public:
    virtual ~connection_base() = default;
    // Closes the socket: every pending operation ends with an error.
    virtual void close() noexcept = 0;
};

// One accepted connection: (the TLS handshake, then) requests answered in
// order until the client closes, asks to close, or the server stops. Runs
// on the server's one thread only.
template<class Stream>
class connection final
    : public connection_base
    , public std::enable_shared_from_this<connection<Stream>>
{
    static constexpr bool is_tls = !std::is_same_v<Stream, boost::beast::tcp_stream>;

public:
    connection(boost::asio::ip::tcp::socket socket, server_state& state, boost::asio::ssl::context* tls)
        : stream_(make_stream(std::move(socket), tls))
        , state_(state)
    {
    }

    void start()
    {
        if constexpr(is_tls)
        {
            stream_.async_handshake(boost::asio::ssl::stream_base::server,
                [self = this->shared_from_this()](boost::beast::error_code ec) { self->on_handshake(ec); });
        }
        else
        {
            read();
        }
    }

    void close() noexcept override { boost::beast::get_lowest_layer(stream_).close(); }

private:
    static Stream make_stream(boost::asio::ip::tcp::socket socket, [[maybe_unused]] boost::asio::ssl::context* tls)
    {
        if constexpr(is_tls)
            return Stream(boost::beast::tcp_stream(std::move(socket)), *tls);
        else
            return Stream(std::move(socket));
    }

    void on_handshake(boost::beast::error_code ec)
    {
        if constexpr(is_tls)
        {
            // Recorded whether or not the handshake succeeded: a client that
            // rejects the certificate has sent its SNI all the same.
            char const* sni = SSL_get_servername(stream_.native_handle(), TLSEXT_NAMETYPE_host_name);
            {
                std::lock_guard<std::mutex> lock(state_.mutex);
                state_.last_sni = sni != nullptr ? sni : "";
            }
            ERR_clear_error();
        }
        if(ec)
            return; // a client that rejects the certificate: let the connection go
        read();
    }

    void read()
    {
        request_ = {};
        boost::beast::http::async_read(stream_, buffer_, request_,
            [self = this->shared_from_this()](boost::beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(boost::beast::error_code ec)
    {
        if(ec)
            return; // the client closed, sent garbage, or the server stopped
        std::string const target(request_.target());
        std::string const path = target.substr(0, target.find('?'));
        canned_response answer;
        {
            std::lock_guard<std::mutex> lock(state_.mutex);
            ++state_.hits[path];
            state_.last_host = std::string(request_[boost::beast::http::field::host]);
            if(auto const found = state_.responses.find(path); found != state_.responses.end())
                answer = found->second;
            else
                answer = canned_response{404, "not found", {{"Content-Type", "text/plain"}}, false};
        }
        if(answer.hang)
        {
            drain();
            return;
        }
        response_ = {};
        response_.version(11);
        response_.result(answer.status);
        for(auto const& [name, value] : answer.headers)
            response_.insert(name, value);
        response_.body() = std::move(answer.body);
        response_.keep_alive(request_.keep_alive());
        response_.prepare_payload();
        boost::beast::http::async_write(stream_, response_,
            [self = this->shared_from_this()](boost::beast::error_code ec, std::size_t) { self->on_write(ec); });
    }

    void on_write(boost::beast::error_code ec)
    {
        if(ec)
            return;
        if(response_.keep_alive())
        {
            read();
            return;
        }
        // The client asked to close.
        if constexpr(is_tls)
        {
            boost::beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
            stream_.async_shutdown([self = this->shared_from_this()](boost::beast::error_code) { self->close(); });
        }
        else
        {
            boost::beast::error_code ignored;
            stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
        }
    }

    // A hanging answer: read (and drop) whatever the client sends until it
    // closes or the server stops, never writing a byte.
    void drain()
    {
        stream_.async_read_some(boost::asio::buffer(drain_buffer_),
            [self = this->shared_from_this()](boost::beast::error_code ec, std::size_t) {
                if(!ec)
                    self->drain();
            });
    }

    Stream stream_;
    server_state& state_;
    boost::beast::flat_buffer buffer_;
    boost::beast::http::request<boost::beast::http::string_body> request_;
    boost::beast::http::response<boost::beast::http::string_body> response_;
    std::array<char, 1024> drain_buffer_{};
};

} // namespace https_test_server_detail

// An HTTPS (or plain HTTP) server on 127.0.0.1, any free port, on its own
// thread, serving canned responses by request path (the target without its
// query). Unknown path: 404. HTTP/1.1 keep-alive is honoured.
class https_test_server
{
public:
    // TLS with the pki's leaf cert and key.
    explicit https_test_server(test_pki const& pki)
        : tls_(std::in_place, boost::asio::ssl::context::tls_server)
    {
        tls_->set_options(boost::asio::ssl::context::default_workarounds);
        tls_->use_certificate_chain(boost::asio::buffer(pki.cert_pem));
        tls_->use_private_key(boost::asio::buffer(pki.key_pem), boost::asio::ssl::context::pem);
        start();
    }

    // Plain HTTP (no TLS).
    https_test_server() { start(); }

    // Stops: closes every connection (hanging ones too) and joins the thread.
    ~https_test_server()
    {
        boost::asio::post(ioc_, [this] {
            boost::beast::error_code ignored;
            acceptor_.close(ignored);
            for(auto const& weak : connections_)
                if(auto const c = weak.lock())
                    c->close();
            work_.reset();
            // What is still queued (completions of the closed operations) is
            // destroyed with the io_context, releasing its connections.
            ioc_.stop();
        });
        thread_.join();
    }

    https_test_server(https_test_server const&) = delete;
    https_test_server& operator=(https_test_server const&) = delete;

    unsigned short port() const noexcept { return port_; }

    // Whether the server speaks TLS.
    bool tls() const noexcept { return tls_.has_value(); }

    // "https://<host>:<port>" (or "http://..." when plain).
    std::string base_url(std::string const& host = "127.0.0.1") const
    {
        return std::string(tls() ? "https://" : "http://") + host + ":" + std::to_string(port_);
    }

    // Sets the answer for `path` (thread-safe, takes effect for the next request).
    void set(std::string const& path, canned_response response)
    {
        std::lock_guard<std::mutex> lock(state_.mutex);
        state_.responses[path] = std::move(response);
    }

    // How many requests for `path` arrived (thread-safe; counted when the
    // request is read, before answering).
    std::size_t hits(std::string const& path) const
    {
        std::lock_guard<std::mutex> lock(state_.mutex);
        auto const found = state_.hits.find(path);
        return found == state_.hits.end() ? 0 : found->second;
    }

    // The SNI host name the last TLS client sent ("" if none), thread-safe.
    // Recorded when a handshake ends, whether it succeeded or not.
    std::string last_sni() const
    {
        std::lock_guard<std::mutex> lock(state_.mutex);
        return state_.last_sni;
    }

    // The last request's Host header value, thread-safe.
    std::string last_host() const
    {
        std::lock_guard<std::mutex> lock(state_.mutex);
        return state_.last_host;
    }

private:
    void start()
    {
        boost::asio::ip::tcp::endpoint const endpoint(boost::asio::ip::make_address("127.0.0.1"), 0);
        acceptor_.open(endpoint.protocol());
        acceptor_.bind(endpoint);
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        accept();
        thread_ = std::thread([this] {
            // A handler that throws must not end the thread (nor the
            // process): run on until stopped.
            for(;;)
            {
                try
                {
                    ioc_.run();
                    return;
                }
                catch(...)
                {
                }
            }
        });
    }

    void accept()
    {
        acceptor_.async_accept([this](boost::beast::error_code ec, boost::asio::ip::tcp::socket socket) {
            if(!acceptor_.is_open())
                return;
            if(!ec)
                serve(std::move(socket));
            accept();
        });
    }

    void serve(boost::asio::ip::tcp::socket socket)
    {
        namespace d = https_test_server_detail;
        std::shared_ptr<d::connection_base> c;
        if(tls_)
        {
            auto tls = std::make_shared<d::connection<boost::beast::ssl_stream<boost::beast::tcp_stream>>>(
                std::move(socket), state_, &*tls_);
            tls->start();
            c = std::move(tls);
        }
        else
        {
            auto plain = std::make_shared<d::connection<boost::beast::tcp_stream>>(std::move(socket), state_, nullptr);
            plain->start();
            c = std::move(plain);
        }
        auto const gone = [](std::weak_ptr<d::connection_base> const& w) { return w.expired(); };
        connections_.erase(std::remove_if(connections_.begin(), connections_.end(), gone), connections_.end());
        connections_.push_back(c);
    }

    // Declaration order is destruction order reversed: the connections left
    // in the io_context's queue go with it, before the TLS context and the
    // state they refer to.
    https_test_server_detail::server_state state_;
    std::optional<boost::asio::ssl::context> tls_;
    boost::asio::io_context ioc_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
        boost::asio::make_work_guard(ioc_)};
    boost::asio::ip::tcp::acceptor acceptor_{ioc_};
    std::vector<std::weak_ptr<https_test_server_detail::connection_base>> connections_;
    unsigned short port_ = 0;
    std::thread thread_;
};

} // namespace modelauth_test

#endif
