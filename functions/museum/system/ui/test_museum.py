"""The museum's page in a real browser: a staff member registers an exhibition, a visitor books
it and sees the booking complete in MyPage without reloading (the page follows the live event
flow over Server-Sent Events), then cancels it."""
import uuid

from playwright.sync_api import expect


def choose_exhibition(page, hall):
    option = page.locator("#exhibition-choice option", has_text=hall)
    expect(option).to_have_count(1)
    page.select_option("#exhibition-choice", value=option.get_attribute("value"))


def test_book_and_see_it_complete_in_my_page_live(page):
    visitor = "visitor-" + uuid.uuid4().hex[:8]
    hall = "Hall " + uuid.uuid4().hex[:6]
    page.goto("/ui/museum")

    page.fill("#register [name=hall]", hall)
    page.fill("#register [name=capacity]", "3")
    page.click("#register button")
    expect(page.locator("#register-out")).to_contain_text("201")
    expect(page.locator("#exhibitions")).to_contain_text(hall)

    choose_exhibition(page, hall)
    page.fill("#book [name=userId]", visitor)
    page.fill("#book [name=seats]", "2")
    page.click("#book button")
    expect(page.locator("#book-out")).to_contain_text("201")

    # Nothing is clicked from here: the confirmation arrives through the bus and the page
    # hears of it over its live stream.
    row = page.locator("#mypage-rows tr[data-booking]").first
    expect(row.locator(".booking-status")).to_have_text("COMPLETED")
    expect(row.locator(".entry-status")).to_have_text("CONFIRMED")
    expect(page.locator("#flow")).to_contain_text("EntryConfirmed")
    expect(page.locator("#exhibitions")).to_contain_text("1 / 3")

    row.locator("button[data-cancel]").click()
    expect(row.locator(".booking-status")).to_have_text("CANCELLED")
    expect(row.locator(".entry-status")).to_have_text("CANCELLED")
    expect(page.locator("#exhibitions")).to_contain_text("3 / 3")


def test_a_refused_booking_shows_the_problem(page):
    page.goto("/ui/museum")
    hall = "Tiny hall " + uuid.uuid4().hex[:6]
    page.fill("#register [name=hall]", hall)
    page.fill("#register [name=capacity]", "1")
    page.click("#register button")
    expect(page.locator("#register-out")).to_contain_text("201")
    choose_exhibition(page, hall)
    page.fill("#book [name=seats]", "2")
    page.click("#book button")
    expect(page.locator("#book-out")).to_contain_text("409")
    expect(page.locator("#book-out")).to_contain_text("not enough seats")


def test_the_console_takes_a_function_down_and_brings_it_up(page):
    page.goto("/")
    row = page.locator("#functions tr", has_text="museum-confirm-on-booked")
    expect(row).to_be_visible()
    row.get_by_role("button", name="take down").click()
    expect(row.locator("td").first).to_have_class("down")
    row.get_by_role("button", name="bring up").click()
    expect(row.locator("td").first).to_have_class("up")
    expect(page.locator("nav")).to_contain_text("museum")
