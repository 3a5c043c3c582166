"""openaudit.safety"""
