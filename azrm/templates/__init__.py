"""ARM templates: the expression language, template processing, and writing templates."""
