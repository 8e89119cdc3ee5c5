"""The only module that talks to keyring."""
