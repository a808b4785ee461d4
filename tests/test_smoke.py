def test_home_page_is_vietnamese(client):
    response = client.get("/")
    assert response.status_code == 200
    assert 'lang="vi"' in response.content.decode()
    assert "Dịch vụ công một cửa" in response.content.decode()
