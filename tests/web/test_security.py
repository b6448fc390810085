"""Authentication, CSRF, the upload limit, error shapes and the access log."""

from __future__ import annotations

import logging

from tests.web.conftest import TOKEN, csrf_of, make_client, post_paths


def test_healthz_answers_without_token_and_says_nothing_about_data(token_client):
    response = token_client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "status": "ok"}


def test_page_without_token_is_401_login_page(token_client):
    response = token_client.get("/import", headers={"Accept": "text/html"})
    assert response.status_code == 401
    assert "Sign in" in response.text
    assert 'name="token"' in response.text


def test_api_without_token_is_401_json(token_client):
    response = token_client.get("/import", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["ok"] is False and body["status"] == 401
    assert "Authorization: Bearer" in body["error"]


def test_unknown_path_without_token_is_401_not_404(token_client):
    assert token_client.get("/no/such/page").status_code == 401


def test_bearer_token_is_accepted_and_wrong_one_refused(token_client):
    ok = token_client.get("/import", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200
    bad = token_client.get("/import", headers={"Authorization": "Bearer wrong"})
    assert bad.status_code == 401


def test_login_form_sets_secure_httponly_cookie(token_client):
    page = token_client.get("/login")
    assert page.status_code == 200
    response = token_client.post("/login", data={"token": TOKEN, "next": "/import",
                                                 "csrf_token": csrf_of(page.text)})
    assert response.status_code == 303
    assert response.headers["location"] == "/import"
    cookie = response.headers["set-cookie"].lower()
    assert "edxlab_session=" in cookie and "httponly" in cookie and "secure" in cookie
    assert "samesite=strict" in cookie
    assert TOKEN.lower() not in cookie  # the cookie holds an HMAC, not the token
    assert token_client.get("/import").status_code == 200


def test_login_with_wrong_token_is_401_and_sets_no_cookie(token_client):
    page = token_client.get("/login")
    response = token_client.post("/login", data={"token": "nope", "csrf_token": csrf_of(page.text)})
    assert response.status_code == 401
    assert "That access token is not right" in response.text
    assert "edxlab_session" not in response.headers.get("set-cookie", "")


def test_login_redirect_stays_on_this_site(token_client):
    page = token_client.get("/login")
    response = token_client.post("/login", data={"token": TOKEN, "next": "//evil.example/x",
                                                 "csrf_token": csrf_of(page.text)})
    assert response.headers["location"] == "/"


def test_every_post_route_refuses_a_missing_or_wrong_csrf_token(client):
    client.get("/login")  # receive the CSRF cookie
    posts = post_paths(client.app)
    assert {"/login", "/logout", "/import", "/import/{upload_id}/confirm"} <= set(posts)
    for path in posts:
        url = path.replace("{", "").replace("}", "")
        for data in ({}, {"csrf_token": "0" * 64}):
            response = client.post(url, data=data)
            assert response.status_code == 403, path
            assert "CSRF token" in response.text


def test_csrf_header_is_accepted_for_scripts(client):
    page = client.get("/login")
    response = client.post("/logout", headers={"X-CSRF-Token": csrf_of(page.text)})
    assert response.status_code == 303


def test_csrf_token_of_another_browser_is_refused(tmp_path):
    with make_client(tmp_path) as one, make_client(tmp_path / "..") as other:
        token = csrf_of(one.get("/login").text)
        other.get("/login")
        assert other.post("/logout", data={"csrf_token": token}).status_code == 403


def test_upload_over_the_limit_is_413_with_a_clear_message(tmp_path):
    with make_client(tmp_path, max_upload_mb=0.01) as c:
        token = csrf_of(c.get("/login").text)
        response = c.post("/login", data={"csrf_token": token, "token": "x" * 20_000})
        assert response.status_code == 413
        assert "larger than the limit of 0.01 MB" in response.text
        assert "--max-upload-mb" in response.text


def test_unknown_page_is_404_page_and_json(client):
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert "There is no page at this address." in page.text
    api = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert api.json() == {"ok": False, "error": "There is no page at this address.",
                          "errors": [], "status": 404}


def test_unexpected_exception_is_500_without_traceback(client, caplog):
    @client.app.get("/boom")
    def boom():
        raise RuntimeError("patient P-7 value 8500")

    with caplog.at_level(logging.INFO, logger="edxlab"):
        response = client.get("/boom")
    assert response.status_code == 500
    assert "Traceback" not in response.text and "P-7" not in response.text
    assert "unexpected problem" in response.text
    assert "P-7" not in caplog.text and "RuntimeError" in caplog.text


def test_access_log_names_the_route_not_the_identifier(client, caplog):
    @client.app.get("/things/{thing_id}")
    def thing(thing_id: str):
        return {"ok": True}

    with caplog.at_level(logging.INFO, logger="edxlab"):
        client.get("/things/PATIENT-0042")
    assert "GET /things/{thing_id} 200" in caplog.text
    assert "PATIENT-0042" not in caplog.text


def test_every_response_carries_the_security_headers(client):
    for path in ("/healthz", "/import", "/no/such/page"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "SAMEORIGIN"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["cache-control"] == "no-store"


def test_upload_and_report_folders_do_not_outlive_the_app(tmp_path):
    """Uploads and reports are patient data: their temporary folders go when the server stops
    (lifespan) and, for an app that never started, when it is garbage collected."""
    import gc

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with make_client(tmp_path / "a") as c:
        folders = [c.app.state.staging.root, c.app.state.project.reports_root]
        assert all(f.is_dir() for f in folders)
    assert not any(f.exists() for f in folders)

    c = make_client(tmp_path / "b")  # never started: no lifespan
    folders = [c.app.state.staging.root, c.app.state.project.reports_root]
    assert all(f.is_dir() for f in folders)
    del c
    gc.collect()
    assert not any(f.exists() for f in folders)
