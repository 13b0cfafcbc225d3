"""The shop's pages: a buyer's orders and a seller's sales with the steps each takes; a
seller's listings, orders and counterfeit reports, listing a product; a shopper's search and
a listing's page."""
