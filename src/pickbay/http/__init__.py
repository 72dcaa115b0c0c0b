"""HTTP plumbing shared by every dialect: JSON bodies, responses, error rendering."""
