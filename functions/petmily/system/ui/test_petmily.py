"""Petmily's page in a real browser, three people at once: an admin approves a sitter, a
member registers a pet, writes a care request and asks the sitter; the sitter accepts and the
member's care status turns CARE_STARTED without a click; the sitter writes the diary, the member
reads it, ends the care and rates the sitter."""
import uuid

from playwright.sync_api import expect

PASSWORD = "correct horse battery"


def sign_up_and_in(page, login, address="Seoul Gangnam-gu"):
    page.goto("/ui/petmily")
    page.fill("#signup [name=loginId]", login)
    page.fill("#signup [name=password]", PASSWORD)
    page.fill("#signup [name=name]", "Name of " + login)
    page.fill("#signup [name=address]", address)
    page.click("#signup button")
    expect(page.locator("#signup-out")).to_contain_text("201")
    expect(page.locator("#signup-out")).not_to_contain_text(PASSWORD)
    sign_in(page, login, PASSWORD)


def sign_in(page, login, password):
    page.fill("#login [name=loginId]", login)
    page.fill("#login [name=password]", password)
    page.click("#login button")
    expect(page.locator("#whoami")).to_contain_text("signed in as " + login)


def test_a_member_and_a_sitter_match_and_the_care_runs_to_a_rating(page, new_page):
    suffix = uuid.uuid4().hex[:6]
    kim, lee = "kim-" + suffix, "lee-" + suffix
    area = "Mapo-" + suffix

    sitter = new_page()
    sign_up_and_in(sitter, lee)
    sitter.fill("#sitter-apply [name=intro]", "I walk dogs")
    sitter.fill("#sitter-apply [name=address]", "Seoul " + area)
    sitter.click("#sitter-apply button")
    expect(sitter.locator("#sitter-apply-out")).to_contain_text("APPLIED")

    admin = new_page()
    admin.goto("/ui/petmily")
    sign_in(admin, "admin", "admin")
    row = admin.locator("#applied-sitters tr", has_text=lee)
    row.get_by_role("button", name="approve").click()
    expect(admin.locator("#decide-out")).to_contain_text("APPROVED")

    sign_up_and_in(page, kim)
    page.fill("#pet [name=name]", "Bori")
    page.fill("#pet [name=breed]", "Jindo")
    page.click("#pet button")
    expect(page.locator("#pet-out")).to_contain_text("201")
    expect(page.locator("#pets")).to_contain_text("Bori")
    expect(page.locator("#pet-choice option")).to_have_count(1)
    page.click("#care-request button")
    expect(page.locator("#care-request-out")).to_contain_text("OPEN")
    expect(page.locator("#application-choice option")).to_have_count(1)
    page.fill("#find-sitters [name=address]", area.lower())
    page.click("#find-sitters button")
    sitter_row = page.locator("#sitter-rows tr", has_text=lee)
    expect(sitter_row).to_contain_text("–")
    sitter_row.get_by_role("button", name="ask").click()
    expect(page.locator("#ask-out")).to_contain_text("REQUESTED")

    # The sitter sees the request (the page reads its matches again on each event) and accepts.
    request = sitter.locator("#matches tr", has_text=kim)
    request.get_by_role("button", name="accept").click()
    expect(request.locator(".match-status")).to_have_text("CARE_STARTED")

    # The member clicks nothing: the care status arrives through the bus.
    status = page.locator("#status-rows tr", has_text="Bori")
    expect(status.locator(".care-status")).to_have_text("CARE_STARTED")

    request.get_by_role("button", name="details").click()
    expect(sitter.locator("#match-details")).to_contain_text("Name of " + kim)
    sitter.fill("#diary-write [name=content]", "Walked Bori by the river.")
    sitter.click("#diary-write button")
    expect(sitter.locator("#diary-out")).to_contain_text("201")

    mine = page.locator("#matches tr", has_text=lee)
    mine.get_by_role("button", name="details").click()
    expect(page.locator("#match-details")).to_contain_text("Bori")
    page.click("#diary-read button")
    expect(page.locator("#diary-rows")).to_contain_text("Walked Bori by the river.")

    mine.get_by_role("button", name="end care").click()
    expect(status.locator(".care-status")).to_have_text("CARE_ENDED")
    # assess learns of the end from an event: rate until it has.
    for _ in range(50):
        page.click("#rate button")
        page.wait_for_timeout(100)
        if "201" in page.locator("#rate-out").text_content():
            break
    expect(page.locator("#rate-out")).to_contain_text("201")
    page.click("#rate button")
    expect(page.locator("#rate-out")).to_contain_text("409")


def test_a_wrong_password_and_a_short_one_show_the_problem(page):
    page.goto("/ui/petmily")
    page.fill("#login [name=loginId]", "admin")
    page.fill("#login [name=password]", "not the password")
    page.click("#login button")
    expect(page.locator("#login-out")).to_contain_text("401")
    page.fill("#signup [name=loginId]", "short-" + uuid.uuid4().hex[:6])
    page.fill("#signup [name=password]", "short")
    page.fill("#signup [name=name]", "Short")
    page.click("#signup button")
    expect(page.locator("#signup-out")).to_contain_text("400")
    expect(page.locator("#signup-out")).not_to_contain_text("short\"")
