from paperbell_dev.local.event_sources import matches_filter


def test_insert_only_pattern():
    pattern = {"eventName": ["INSERT"]}
    assert matches_filter(pattern, {"eventName": "INSERT", "dynamodb": {}})
    assert not matches_filter(pattern, {"eventName": "MODIFY"})
    assert not matches_filter(pattern, {})


def test_nested_pattern():
    pattern = {"dynamodb": {"NewImage": {"source": {"S": ["hf", "arxiv"]}}}}
    assert matches_filter(pattern, {"dynamodb": {"NewImage": {"source": {"S": "hf"}}}})
    assert not matches_filter(pattern, {"dynamodb": {"NewImage": {"source": {"S": "feed"}}}})
    assert not matches_filter(pattern, {"dynamodb": "oops"})
