"""marshmallow schemas of the vehicles service's API."""
