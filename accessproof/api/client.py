def client(service_name: str, **kwargs):
    raise NotImplementedError
