"""The base of every refusal the product explains to a person."""


class DomainError(ValueError):
    """A request the product's rules refuse; its message is shown to the person as it is.

    `status` is the HTTP status an API answers with (400 unless a subclass says otherwise).
    """

    status = 400

    @property
    def message(self) -> str:
        return str(self)
