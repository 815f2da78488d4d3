#!/usr/bin/env python3
"""Replays the source documents' REST samples against a running model server.

Standard library only (urllib), so it proves that a client in another
language, written from the platforms' documentation, works against the
reference server with only the base URL changed.

    practicus_rest_sample.py BASE_URL EMAIL PASSWORD

The Practicus sample (seeds/000_*.txt, "No Practicus SDK" cell) is replayed
call by call, the way `requests` sends it: the login as JSON, the refresh
with the refresh token as Bearer and in a JSON body, get_meta as a GET with
a form body (which the server ignores), the model-auth exchange as a GET
with the form body `model_id=<id>`, then an inference call with the model
session token. Then the curl calls of the STACKIT document, the Modelon
header and the NeuroIO token calls. Every answer is checked; the first
mismatch exits 1 with a message naming the call (never a token).
"""

import json
import sys
import urllib.error
import urllib.parse
import urllib.request


class Failure(Exception):
    pass


def call(method, url, headers=None, json_body=None, form=None, expect=200):
    """One HTTP call; returns (status, headers, parsed JSON or None)."""
    data = None
    headers = dict(headers or {})
    if json_body is not None:
        data = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, answer_headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, answer_headers, raw = error.code, error.headers, error.read()
    if status != expect:
        raise Failure(f"{method} {urllib.parse.urlsplit(url).path}: status {status}, expected {expect}")
    body = json.loads(raw) if raw else None
    return status, answer_headers, body


def practicus(base, email, password):
    console_api_url = f"{base}/console/api/"
    model_prefix, model_name = "models/practicus", "diamond-price"
    api_url = f"{base}/{model_prefix}/{model_name}/"

    # Option 1: password login.
    _, _, body = call("POST", f"{console_api_url}auth/", json_body={"email": email, "password": password})
    refresh_token = body["refresh"]
    assert body["access"] and refresh_token

    # Option 2: refresh token as Bearer and in the body.
    headers = {"authorization": f"Bearer {refresh_token}"}
    data = {"refresh": refresh_token}
    _, _, body = call("POST", f"{console_api_url}auth/refresh/", headers=headers, json_body=data)
    console_access_token = body["access"]
    headers = {"authorization": f"Bearer {console_access_token}"}

    # Listings.
    _, _, prefixes = call("GET", f"{console_api_url}modelhost/model-prefixes/", headers=headers)
    if not any(p["prefix"] == model_prefix for p in prefixes):
        raise Failure("model-prefixes: models/practicus missing")
    _, _, models = call("GET", f"{console_api_url}modelhost/models/", headers=headers)
    if not any(m["name"] == model_name and m["prefix"] == model_prefix for m in models):
        raise Failure("models: diamond-price missing")

    # get_meta: a GET with a form body (requests' data=), ignored by the server.
    _, answer_headers, meta = call("GET", api_url + "?get_meta=true", headers=headers, form=data)
    model_id = int(answer_headers["x-prt-model-id"])
    if meta["model_id"] != model_id:
        raise Failure("get_meta: body and header disagree")

    # model-auth: a GET with the form body model_id=<id>.
    _, _, body = call("GET", f"{console_api_url}modelhost/model-auth/", headers=headers,
                      form={"model_id": model_id})
    model_api_token = body["token"]

    # Inference with the model session token.
    session = {"authorization": f"Bearer {model_api_token}"}
    _, _, answer = call("POST", api_url, headers=session, json_body={"inputs": [[1.0, 2.0]]})
    if answer["model_id"] != model_id or len(answer["outputs"]) != 1:
        raise Failure("inference: unexpected answer")
    # The session token is bound to its model.
    call("POST", f"{base}/{model_prefix}/churn/", headers=session,
         json_body={"inputs": [[1.0, 2.0, 3.0]]}, expect=403)

    # The rotated refresh token is spent: using it again is refused, and
    # revokes its whole family, the access token issued from it included.
    call("POST", f"{console_api_url}auth/refresh/", json_body={"refresh": refresh_token}, expect=401)
    call("GET", f"{console_api_url}modelhost/models/", headers=headers, expect=401)

    # A new login starts a new family for the other flows.
    _, _, body = call("POST", f"{console_api_url}auth/", json_body={"email": email, "password": password})
    return body["access"]


def stackit(base, access):
    tokens = f"{base}/v1alpha/projects/demo/regions/eu01/instances/demo/tokens"
    auth = {"Authorization": f"Bearer {access}"}
    _, _, created = call("POST", tokens, headers=auth,
                         json_body={"description": "My token", "name": "my-token", "ttlDuration": "30d"},
                         expect=201)
    token_id, content = created["id"], created["content"]
    _, _, listed = call("GET", tokens, headers=auth)
    if any("content" in t for t in listed["tokens"]):
        raise Failure("STACKIT list shows a secret")
    if any(t.get("hint") != content[-4:] for t in listed["tokens"] if t["id"] == token_id):
        raise Failure("STACKIT list shows no hint of the token")
    call("PATCH", f"{tokens}/{token_id}", headers=auth, json_body={"description": "renamed"})
    model = f"{base}/models/practicus/diamond-price/"
    call("POST", model, headers={"Authorization": f"Bearer {content}"}, json_body={"inputs": [[1, 2]]})
    call("DELETE", f"{tokens}/{token_id}", headers=auth, expect=204)
    call("POST", model, headers={"Authorization": f"Bearer {content}"}, json_body={"inputs": [[1, 2]]},
         expect=401)


def modelon(base, access):
    url = f"{base}/api/users/me/api-key"
    _, _, body = call("POST", url, headers={"Authorization": f"Bearer {access}"})
    key = body["secret_key"]
    model = f"{base}/models/practicus/churn/"
    call("POST", model, headers={"impact-api-key": key}, json_body={"inputs": [[1, 2, 3]]})
    _, _, again = call("POST", url, headers={"impact-api-key": key})
    call("POST", model, headers={"impact-api-key": key}, json_body={"inputs": [[1, 2, 3]]}, expect=401)
    call("POST", model, headers={"impact-api-key": again["secret_key"]}, json_body={"inputs": [[1, 2, 3]]})


def neuroio(base, access):
    url = f"{base}/api/v1/tokens/"
    auth = {"Authorization": f"Bearer {access}"}
    _, _, created = call("POST", url, headers=auth, json_body={"permanent": False}, expect=201)
    _, _, page = call("GET", url + "?permanent=false&limit=10&offset=0", headers=auth)
    if page["count"] < 1 or any("key" in r for r in page["results"]):
        raise Failure("NeuroIO list")
    # What the SDK sends for permanent=None: no filter.
    _, _, unfiltered = call("GET", url + "?permanent=&limit=20&offset=0", headers=auth)
    if unfiltered["count"] < page["count"]:
        raise Failure("NeuroIO list with an empty permanent=")
    call("PATCH", f"{url}{created['id']}/", headers=auth, json_body={"is_active": False})
    call("GET", url, headers={"Authorization": f"Bearer {created['key']}"}, expect=401)
    call("DELETE", f"{url}{created['id']}/", headers=auth, expect=204)
    call("GET", f"{url}{created['id']}/", headers=auth, expect=404)


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print("usage: practicus_rest_sample.py BASE_URL EMAIL PASSWORD", file=sys.stderr)
        return 2
    base, email, password = argv[1].rstrip("/"), argv[2], argv[3]
    try:
        access = practicus(base, email, password)
        stackit(base, access)
        modelon(base, access)
        neuroio(base, access)
    except (Failure, KeyError, ValueError) as error:
        print(f"replay failed: {error}", file=sys.stderr)
        return 1
    print("replay: Practicus, STACKIT, Modelon and NeuroIO flows all answered as documented")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
