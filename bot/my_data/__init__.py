"""my_data"""
