"""The moving system's page in a real browser: a mover company joins the registry, a customer
calls a mover and, without reloading, sees the call confirmed with the company's details in
their view and a KakaoTalk message arrive live; then cancels, and the company is free again."""
import random

from playwright.sync_api import expect


def phone():
    return "010" + "".join(random.choice("0123456789") for _ in range(8))


def region():
    return "dong" + "".join(random.choice("abcdefghij") for _ in range(8))


def test_call_a_mover_and_see_it_confirmed_and_messaged_live(page):
    tel, where = phone(), region()
    company = "Movers " + where
    page.goto("/ui/moving")

    page.fill("#company [name=name]", company)
    page.fill("#company [name=regions]", f"{where}, elsewhere")
    page.uncheck("#company [name=HALF_PACKING]")
    page.click("#company button")
    expect(page.locator("#company-out")).to_contain_text("201")
    row = page.locator("#companies tr", has_text=company)
    expect(row.locator(".status")).to_have_text("AVAILABLE")

    page.fill("#call [name=tel]", tel)
    page.fill("#call [name=location]", where)
    page.select_option("#call [name=moveType]", "PACKING")
    page.click("#call button")
    expect(page.locator("#call-out")).to_contain_text("201")

    # Nothing is clicked from here: the assignment arrives through the bus, the view follows the
    # event flow and the message comes over the customer's own live stream.
    call = page.locator("#moverinfos tr[data-call]").first
    expect(call.locator(".status")).to_have_text("CONFIRMED")
    expect(call.locator(".company")).to_contain_text(company)
    expect(page.locator("#messages")).to_contain_text(company)
    expect(row.locator(".status")).to_have_text("BUSY")
    expect(page.locator("#flow")).to_contain_text("MoverassignCompleted")

    call.locator("button[data-cancel]").click()
    expect(call.locator(".status")).to_have_text("CANCELLED")
    expect(page.locator("#messages")).to_contain_text("cancelled")
    expect(row.locator(".status")).to_have_text("AVAILABLE")


def test_no_company_near_fails_the_call_and_a_bad_phone_shows_the_problem(page):
    page.goto("/ui/moving")
    page.fill("#call [name=tel]", "not a phone")
    page.click("#call button")
    expect(page.locator("#call-out")).to_contain_text("400")
    expect(page.locator("#call-out")).to_contain_text("tel")

    tel = phone()
    page.fill("#call [name=tel]", tel)
    page.fill("#call [name=location]", region())
    page.click("#call button")
    expect(page.locator("#call-out")).to_contain_text("201")
    call = page.locator("#moverinfos tr[data-call]").first
    expect(call.locator(".status")).to_have_text("FAILED")
    expect(page.locator("#messages")).to_contain_text("no mover could be assigned")
