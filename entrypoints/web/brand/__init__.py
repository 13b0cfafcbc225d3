"""A brand's pages: its campaigns, each campaign's dashboard and invitations, launching a
campaign, and the creator marketplace."""
