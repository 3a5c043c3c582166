"""openaudit.sources"""
