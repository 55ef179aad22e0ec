"""The family's page in a real browser: a mother founds a family and approves her son; the son
opens his own page; the mother starts a move and her device walks the route; the son's page
shows each alarm as it arrives (Server-Sent Events, no reload) and the moveview follows the
move to its end."""
import uuid

from playwright.sync_api import expect


def register(page, customer, name, family):
    page.fill("#register [name=customerId]", customer)
    page.fill("#register [name=name]", name)
    page.fill("#register [name=phone]", "010-1234-5678")
    page.fill("#register [name=familyId]", family)
    page.click("#register button")
    expect(page.locator("#register-out")).to_contain_text("201")


def test_a_member_sees_the_movers_alarms_arrive_live(page, new_page):
    family = "fam-" + uuid.uuid4().hex[:8]
    mom, son = "mom-" + family, "son-" + family

    page.goto("/ui/family")
    register(page, mom, "Mother", family)
    expect(page.locator("#me-status")).to_contain_text("ACTIVE")
    register(page, son, "Son", family)
    row = page.locator(f"#members tr[data-member='{son}']")
    expect(row.locator(".membership")).to_have_text("REGISTERED")
    row.get_by_role("button", name="approve").click()
    expect(page.locator("#decide-out")).to_contain_text("200")
    expect(row.locator(".membership")).to_have_text("APPROVED")

    other = new_page()
    other.goto(f"/ui/family?me={son}&family={family}")
    expect(other.locator("#me-status")).to_contain_text("ACTIVE")
    expect(other.locator("#unread")).to_have_text("0")

    # The mother starts a move; nothing is clicked on the son's page from here.
    page.click("#start button")
    expect(page.locator("#start-out")).to_contain_text("201")
    expect(other.locator("#alarms li[data-type=MOVE_STARTED]")).to_have_count(1)
    expect(other.locator("#alarms")).to_contain_text("Mother")
    expect(other.locator(f"#moveviews tr[data-customer='{mom}'] .status")).to_have_text("MOVING")

    # Her device walks the route: imminent, then arrived.
    page.click("#walk")
    expect(other.locator("#alarms li[data-type=ARRIVAL_IMMINENT]")).to_have_count(1)
    expect(other.locator("#alarms li[data-type=MOVE_ENDED]")).to_have_count(1, timeout=20_000)
    expect(other.locator(f"#moveviews tr[data-customer='{mom}'] .status")).to_have_text("ENDED")
    expect(page.locator("#moves .status").first).to_have_text("ENDED")
    # The mover is not alarmed about her own move.
    expect(page.locator("#alarms li")).to_have_count(0)

    expect(other.locator("#unread")).to_have_text("3")
    other.locator("#alarms li[data-type=MOVE_ENDED] button[data-read]").click()
    expect(other.locator("#unread")).to_have_text("2")


def test_a_pending_member_cannot_start_a_move_and_sees_why(page):
    family = "fam-" + uuid.uuid4().hex[:8]
    page.goto("/ui/family")
    register(page, "founder-" + family, "Founder", family)
    page.fill("#me [name=customerId]", "late-" + family)
    page.fill("#me [name=familyId]", family)
    register(page, "late-" + family, "Late", family)
    page.click("#me button")
    expect(page.locator("#me-status")).to_contain_text("PENDING")
    page.click("#start button")
    expect(page.locator("#start-out")).to_contain_text("422")
    expect(page.locator("#start-out")).to_contain_text("ACTIVE")
