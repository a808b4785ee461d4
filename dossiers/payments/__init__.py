"""Online payment of fees and charges (issue 7): one protocol (VNPay's signed redirect + IPN), two providers
(the real gateway, and a sandbox page of this app that speaks the same protocol).

Public functions (dossiers/payments/services.py):
    payment_start(*, dossier, by, return_url, client_ip="") -> (Payment, gateway_url)
    payment_callback(*, params, kind, remote_addr=None) -> CallbackResult   # kind "ipn" | "return"
    pays_online(dossier) -> bool; fee_for(dossier) -> int | None; paid_payment(dossier) -> Payment | None
    payment_problem(dossier, by) -> str | None; ensure_receipt(payment) -> Payment
"""
