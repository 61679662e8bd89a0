"""Company data: the company-file schema, its loader and the demo generator."""
