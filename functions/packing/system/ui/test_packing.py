"""The packing system's pages in a real browser: a customer orders, the admin sees the task on
the packing board, accepts (payment) and packs it, and the customer's list follows without a
reload (the page follows the live event flow over Server-Sent Events); a customer cancels a paid
order and sees it refunded; with payment down, the admin is told to retry and the customer sees
PAYMENT_PENDING."""
import uuid

from playwright.sync_api import expect


def order(page, customer, product):
    page.fill("#order [name=userId]", customer)
    page.fill("#order [name=productName]", product)
    page.click("#order button")
    expect(page.locator("#order-out")).to_contain_text("201")
    return page.locator("#my-orders tr[data-order]", has_text=product)


def task(page, product):
    return page.locator("#tasks tr[data-task]", has_text=product)


def test_order_accept_pack_and_the_customer_sees_it_live(page):
    customer = "customer-" + uuid.uuid4().hex[:8]
    product = "Peaches " + uuid.uuid4().hex[:6]
    page.goto("/ui/packing")
    mine = order(page, customer, product)
    expect(mine.locator(".status")).to_have_text("ORDERED")
    expect(mine.locator(".packing-status")).to_have_text("WAITING")

    row = task(page, product)
    expect(row.locator(".status")).to_have_text("WAITING")
    row.get_by_role("button", name="accept").click()
    expect(page.locator("#board-out")).to_contain_text("200")
    expect(row.locator(".status")).to_have_text("READY_TO_PACK")
    expect(mine.locator(".status")).to_have_text("PAID")
    expect(mine.locator(".payment-status")).to_have_text("APPROVED")

    row.get_by_role("button", name="pack").click()
    expect(row.locator(".status")).to_have_text("PACKED")
    expect(mine.locator(".status")).to_have_text("PACKED")
    expect(mine.locator("button[data-cancel]")).to_have_count(0)
    expect(page.locator("#flow")).to_contain_text("ProductPacked")

    page.select_option("#orders-by-status [name=status]", "PACKED")
    page.click("#orders-by-status button")
    expect(page.locator("#status-orders")).to_contain_text(product)


def test_a_paid_order_cancelled_is_refunded(page):
    customer = "customer-" + uuid.uuid4().hex[:8]
    product = "Plums " + uuid.uuid4().hex[:6]
    page.goto("/ui/packing")
    mine = order(page, customer, product)
    task(page, product).get_by_role("button", name="accept").click()
    expect(mine.locator(".payment-status")).to_have_text("APPROVED")
    mine.locator("button[data-cancel]").click()
    expect(mine.locator(".status")).to_have_text("CANCELLED")
    expect(mine.locator(".payment-status")).to_have_text("REFUNDED")
    expect(mine.locator(".packing-status")).to_have_text("CANCELLED")


def test_payment_down_tells_the_admin_to_retry_and_the_customer_sees_pending(page):
    customer = "customer-" + uuid.uuid4().hex[:8]
    product = "Grapes " + uuid.uuid4().hex[:6]
    page.goto("/ui/packing")
    mine = order(page, customer, product)
    row = task(page, product)
    expect(row.locator(".status")).to_have_text("WAITING")
    page.request.post("/admin/functions/packing-payment-pay/down")
    try:
        row.get_by_role("button", name="accept").click()
        expect(page.locator("#board-out")).to_contain_text("503")
        expect(page.locator("#board-out")).to_contain_text("accept again")
        expect(row.locator(".status")).to_have_text("PAYMENT_PENDING")
        expect(mine.locator(".status")).to_have_text("PAYMENT_PENDING")
    finally:
        page.request.post("/admin/functions/packing-payment-pay/up")
