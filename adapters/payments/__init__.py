"""Payment providers (``application.shop.payments.PaymentProvider``)."""
