"""DynamoDB data access: the only modules that know table layouts and key shapes.

Imported by services, web and ``paperbell.lambda_events`` (item conversions); imports only
the top-level modules (models, aws, config), never a service.
"""
