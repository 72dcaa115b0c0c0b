"""The GreyMatter dialect: GreyOrange Butler service requests."""
